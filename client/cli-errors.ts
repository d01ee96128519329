// The CLI's exit codes and the errors that carry them, so a script can tell what happened without parsing text.

/** Exit codes of `rollout` (documented in the README). */
export const EXIT_CODES = {
  /** Done; for approve/reject/abort: the rollout took the message. */
  ok: 0,
  /** Anything unexpected. */
  error: 1,
  /** Bad command line or input (arguments, plan file, message fields); nothing was sent. */
  usage: 2,
  /** The rollout refused the message or request (not pending, not allowed, already running…); nothing changed. */
  refused: 3,
  /** No such rollout (or it has ended, for messages). */
  notFound: 4,
  /** Temporal or Redis could not be reached. */
  unreachable: 5,
  /** Sent, but no worker answered in time: not taken yet (see the message for what happens next). */
  noAnswer: 6,
  /** `watch` / `status --follow`: the rollout ended rolled back (every environment restored). */
  rolledBack: 7,
  /** `watch` / `status --follow`: the rollout's rollback failed: some environment may still have its gates. */
  rollbackFailed: 8,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** An error the CLI reports on stderr with its own exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_CODES.usage);
  }
}

/** Ends a command with `exitCode` after it has printed its whole answer (e.g. the final state of a watched rollout). */
export class ExitWithCode extends CliError {}
