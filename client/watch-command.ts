// `rollout watch <flag>` (and `rollout status <flag> --follow`): follows a rollout live and exits with its outcome's code.
import { Command, Option } from 'commander';
import { duration } from './cli-arguments';
import { EXIT_CODES, ExitWithCode } from './cli-errors';
import { followRollout } from './follow-rollout';
import type { RolloutClient } from './rollout-client';
import { watchPrinter } from './watch-printer';

export interface WatchIo {
  stdout: (text: string) => void;
  /** Whether stdout is a terminal: redraw in place; otherwise print a line per change. */
  stdoutIsTty?: boolean;
}

/** The `--interval` option both commands take. */
export function intervalOption(): Option {
  return new Option('--interval <duration>', 'how often to read the status (and redraw)').argParser(duration).default(1000, '1s');
}

/**
 * Follows `flag` until its rollout ends, then resolves for a completed rollout and throws ExitWithCode otherwise:
 * 7 rolled back, 8 rollback failed, 1 when Temporal ended the workflow without a final rollout state.
 */
export async function followUntilEnd(rollouts: RolloutClient, flag: string, intervalMs: number, io: WatchIo): Promise<void> {
  const final = await followRollout(rollouts, flag, { intervalMs, show: watchPrinter(io.stdout, io.stdoutIsTty === true) });
  const code = final.ended?.exitCode ?? EXIT_CODES.error;
  if (code !== EXIT_CODES.ok) throw new ExitWithCode(final.ended?.reason ?? `the rollout of ${flag} ended ${final.status?.state ?? 'unknown'}`, code);
}

export function watchCommand(rollouts: () => Promise<RolloutClient>, io: WatchIo): Command {
  return new Command('watch')
    .description(
      'follow a rollout live until it ends: stage, percentage, volume against budget, next check, pending gate and deadline. ' +
        'Redraws in place on a terminal, prints a line per change otherwise; exits 0 completed, 7 rolled back, 8 rollback failed',
    )
    .argument('<flag>')
    .addOption(intervalOption())
    .action(async (flag: string, opts: { interval: number }) => followUntilEnd(await rollouts(), flag, opts.interval, io));
}
