// Polling for tests: wait until something read from a real server (or process) reaches the expected value.
import { performance } from 'node:perf_hooks';

export interface PollOptions {
  /** Named in the error when the wait times out. */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Reads until `ok(value)` holds; returns the value and how long it took, or throws with the last value read. */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  { what = 'a condition', timeoutMs = 5000, intervalMs = 5 }: PollOptions = {},
): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    const elapsedMs = performance.now() - started;
    if (ok(value)) return { value, elapsedMs };
    if (elapsedMs > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value, null, 2)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until `check` returns true; returns the milliseconds it took. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  return (await pollUntil(check, (held) => held, { what, timeoutMs })).elapsedMs;
}
