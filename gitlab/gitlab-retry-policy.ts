// When a GitLab request is tried again and after how long: 429 honours Retry-After, 5xx and network errors back off.

export interface GitLabRetryPolicy {
  /** Attempts per request, the first included. Default 4. */
  maxAttempts: number;
  /** First back-off; each later one doubles, with jitter. Default 200 ms. */
  initialBackoffMs: number;
  /** Longest back-off between attempts. Default 2 s. */
  maxBackoffMs: number;
  /**
   * Longest Retry-After the client waits out. A longer one ends the request with a retryable GitLabApiError, so the
   * caller (a Temporal activity retry) comes back later instead of holding a 10 s activity attempt. Default 5 s.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_GITLAB_RETRY_POLICY: GitLabRetryPolicy = {
  maxAttempts: 4,
  initialBackoffMs: 200,
  maxBackoffMs: 2000,
  maxRetryAfterMs: 5000,
};

/** What happened to one attempt. */
export type AttemptOutcome =
  | { kind: 'answer'; status: number; retryAfter?: string | null }
  /** `sent`: false when the request certainly never reached GitLab (connection refused, DNS), so it cannot have been applied. */
  | { kind: 'network'; sent: boolean };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryAfterMs?: number };

/**
 * Whether to try again after `attempt` (1-based). A request that GitLab may have applied (a 5xx answer, a timeout,
 * a reset connection) is repeated only when it is `idempotent`; a 429 is always repeated, since GitLab refused it
 * before doing anything. `random` is the jitter source.
 */
export function retryDecision(
  outcome: AttemptOutcome,
  attempt: number,
  idempotent: boolean,
  policy: GitLabRetryPolicy = DEFAULT_GITLAB_RETRY_POLICY,
  now: number = Date.now(),
  random: () => number = Math.random,
): RetryDecision {
  const retryable = isRetryable(outcome, idempotent);
  const retryAfterMs = outcome.kind === 'answer' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  if (!retryable || attempt >= policy.maxAttempts) return retryAfterMs === undefined ? { retry: false } : { retry: false, retryAfterMs };
  if (retryAfterMs !== undefined) {
    return retryAfterMs <= policy.maxRetryAfterMs ? { retry: true, delayMs: retryAfterMs } : { retry: false, retryAfterMs };
  }
  return { retry: true, delayMs: backoffDelay(attempt, policy, random) };
}

/** True when another attempt could succeed and cannot apply a change twice. */
export function isRetryable(outcome: AttemptOutcome, idempotent: boolean): boolean {
  if (outcome.kind === 'network') return idempotent || !outcome.sent;
  if (outcome.status === 429) return true;
  return outcome.status >= 500 && outcome.status <= 599 && idempotent;
}

/** Exponential back-off with "equal jitter": between half and all of `initial × 2^(attempt-1)`, capped. */
export function backoffDelay(attempt: number, policy: GitLabRetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110); `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}
