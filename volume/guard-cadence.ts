// When the volume guard reads, over which rate window, and which percentage it clears: the workflow follows these and `rollout simulate` replays them.
import { MAX_WINDOW_SECONDS } from './volume-reader';

/** How close before a wait's end a due check may be left to the check that follows the end. */
export const END_CHECK_SLACK_MS = 500;

/** The next check a wait makes itself: none when the check that follows its end comes soon enough after `due`. */
export function dueCheck(due: number | null, until: number, endsWithCheck: boolean): number | null {
  if (due === null || (endsWithCheck && until <= due + END_CHECK_SLACK_MS)) return null;
  return due;
}

/** The whole seconds of per-second buckets a check reads for a rate window of `windowMs`: 1 s to MAX_WINDOW_SECONDS. */
export function guardWindowSeconds(windowMs: number): number {
  return Math.max(1, Math.round(Math.min(windowMs, MAX_WINDOW_SECONDS * 1000) / 1000));
}

/** The rate window of the check that clears the next ramp step: the soak, or one guard interval when there is no soak. */
export function rampRateWindowMs(soakMs: number, intervalMs: number): number {
  return soakMs || intervalMs;
}

/** The rate window of a re-read while the clearance waits for traffic: the step's window, at least one interval. */
export function reReadWindowMs(windowMs: number, intervalMs: number): number {
  return Math.max(windowMs, intervalMs);
}

/** The percentage the guard clears after ramp step `index`: the next step; after the last, 100 (the global enable) unless it is 100 already (null). */
export function nextRampPercentage(steps: readonly number[], index: number): number | null {
  const percentage = steps[index]!;
  return steps[index + 1] ?? (percentage < 100 ? 100 : null);
}
