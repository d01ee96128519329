// Follows one rollout until it ends: reads its status every interval, hands each view to a printer, and tells the outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '@temporalio/client';
import { FINAL_STATES, type RolloutState, type RolloutStatus } from '../workflows/rollout-status';
import { EXIT_CODES, type ExitCode } from './cli-errors';
import type { RolloutClient } from './rollout-client';
import type { RolloutSummary } from './rollout-summary';

const GRPC_UNAVAILABLE = 14;

/** What a watcher knows of a rollout at one moment. */
export interface WatchState {
  flag: string;
  /** The latest status a worker (or the ended rollout's result) gave; it stays while the worker is silent. */
  status: RolloutStatus | null;
  /** Temporal's view of the execution (from its search attributes), read at every poll. */
  execution: RolloutSummary | null;
  /** Why the latest poll got no status (no worker answered, Temporal unreachable), and since when; null when it did. */
  problem: { text: string; since: string } | null;
  /** Set once the rollout has ended: its exit code, and the reason when it ended without a final rollout state. */
  ended: { exitCode: ExitCode; reason: string | null } | null;
  intervalMs: number;
}

export interface FollowOptions {
  /** How often to read the status (and redraw). */
  intervalMs: number;
  /** How long each status query waits for a worker (default: 5 s, at least the interval). */
  queryTimeoutMs?: number;
  /** Shows the state; called after every read, and every interval while a read waits for a silent worker. */
  show: (state: WatchState) => void;
  /** Called with each new status before the next read waits (the demo answers a pending gate there). */
  onStatus?: (status: RolloutStatus) => Promise<void>;
  /** Stops following (the state shown last stays as it was). */
  signal?: AbortSignal;
}

/** The exit code of a rollout that ended in `state`: 0 completed, 7 rolled back, 8 rollback failed. */
export function outcomeExitCode(state: RolloutState): ExitCode {
  if (state === 'rolled-back') return EXIT_CODES.rolledBack;
  if (state === 'failed') return EXIT_CODES.rollbackFailed;
  return EXIT_CODES.ok;
}

/**
 * Reads the rollout until it has ended and returns the last state (with `ended` set). A rollout that has already
 * ended is read once. A worker that does not answer, or Temporal out of reach after the first read, is shown as a
 * problem and the watch goes on; a rollout that does not exist throws (CliError notFound).
 */
export async function followRollout(rollouts: RolloutClient, flag: string, options: FollowOptions): Promise<WatchState> {
  const queryTimeoutMs = options.queryTimeoutMs ?? Math.max(5000, options.intervalMs);
  let state: WatchState = { flag, status: null, execution: null, problem: null, ended: null, intervalMs: options.intervalMs };
  let first = true;
  for (;;) {
    const reading = read(rollouts, flag, queryTimeoutMs, state, first);
    // While a silent worker keeps the query waiting, redraw every interval so the countdowns stay true.
    // A query can also wait while the workflow is busy (the server holds it until a workflow task completes).
    while (!(await settlesWithin(reading, options.intervalMs, options.signal))) {
      if (options.signal?.aborted) return state;
      if (!first) options.show(state);
    }
    state = await reading;
    first = false;
    options.show(state);
    if (state.ended || options.signal?.aborted) return state;
    if (state.status && state.problem === null && options.onStatus) await options.onStatus(state.status);
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal?.aborted) return state;
  }
}

async function read(rollouts: RolloutClient, flag: string, queryTimeoutMs: number, before: WatchState, first: boolean): Promise<WatchState> {
  const problem = (text: string) => ({ text, since: before.problem?.since ?? new Date().toISOString() });
  let seen;
  try {
    seen = await rollouts.observe(flag, queryTimeoutMs);
  } catch (err) {
    // Out of reach at the start is an answer (exit 5); later, the watch waits for Temporal to come back.
    if (first || !(err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === GRPC_UNAVAILABLE)) throw err;
    return { ...before, problem: problem(`Temporal is unreachable (${err.message}); still watching`) };
  }
  const execution = seen.execution;
  if (seen.status === null) {
    const next = { ...before, execution, problem: problem(`${seen.noAnswer}; still watching`) };
    return execution.execution === 'RUNNING' ? next : { ...next, ended: endedWithout(execution) };
  }
  const status = seen.status;
  const next: WatchState = { ...before, execution, status, problem: null };
  if (FINAL_STATES.includes(status.state)) return { ...next, ended: { exitCode: outcomeExitCode(status.state), reason: null } };
  return execution.execution === 'RUNNING' ? next : { ...next, ended: endedWithout(execution) };
}

/** A closed execution without a final rollout state (terminated, timed out, …): Temporal ended it, not the rollout. */
function endedWithout(execution: RolloutSummary): WatchState['ended'] {
  return { exitCode: EXIT_CODES.error, reason: `the workflow ${execution.workflowId} ended ${execution.execution} without a final rollout state` };
}

/** Whether `promise` settles within `ms` (or the signal fires); never rejects. */
async function settlesWithin(promise: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const timer = new AbortController();
  const stop = () => timer.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      sleep(ms, false, { signal: timer.signal }).catch(() => false),
    ]);
  } finally {
    timer.abort();
    signal?.removeEventListener('abort', stop);
  }
}
