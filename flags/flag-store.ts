// The contract every flag store keeps: per-environment Flipper gates with change records for idempotent retries.
import type { Environment } from './environments';
import type { FlagChange, FlagGates } from './flag-gates';

/** Result of an applied change: the gates before it and after it (`null` = flag not present). */
export interface AppliedChange {
  previous: FlagGates | null;
  current: FlagGates | null;
}

export interface FlagStore {
  /** The flag's gates in `env`, or `null` when the flag is not present there. */
  get(flag: string, env: Environment): Promise<FlagGates | null>;
  /**
   * Applies `change` atomically and returns the gates before and after it.
   * With a `changeId`, the first application is recorded: a retry with the same id changes nothing
   * and returns the first application's result, so retried activities never double-apply.
   */
  apply(flag: string, env: Environment, change: FlagChange, changeId?: string): Promise<AppliedChange>;
  /**
   * The record kept for `changeId` by `apply` (the gates before and after that change), or `null` when no
   * change with that id was applied (or its record expired). Rollback uses it to undo a change whose
   * activity failed after the write.
   */
  changeRecord(changeId: string): Promise<AppliedChange | null>;
  /** The names of the flags present in `env` (`feature list`), unordered; they may include names written by other clients. */
  list(env: Environment): Promise<string[]>;
  /** Removes the flag from `env` (`feature delete`); a no-op when it is absent. */
  delete(flag: string, env: Environment): Promise<void>;
}
