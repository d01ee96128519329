// How hard the worker tries to deliver one notice to one webhook: per-request timeout, attempts, backoff, overall bound.

export interface DeliveryPolicy {
  /** Each request's bound: connecting, sending and the response's status and head. */
  requestTimeoutMs: number;
  /** Attempts per target, the first included. */
  attempts: number;
  /** Wait before the second attempt; it doubles before each further one (1 s, 2 s, 4 s by default). */
  backoffMs: number;
  /** No attempt starts, and none runs, past this long after the delivery began (all targets run at once). */
  totalTimeoutMs: number;
}

/** Worst case per target: 4 × 5 s + 1 s + 2 s + 4 s = 27 s, so the activity ends well within a 60 s start-to-close timeout. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  requestTimeoutMs: 5_000,
  attempts: 4,
  backoffMs: 1_000,
  totalTimeoutMs: 45_000,
};
