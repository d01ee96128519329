// Posts a notice to every webhook at once, retrying each with backoff; records every attempt and never throws.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './delivery-policy';
import { noticeBody } from './notice-body';
import type { NoticeAttempt, NoticeDelivery, RolloutNotice } from './rollout-notice';
import type { WebhookTarget } from './webhook-target';

export const NOTICE_ID_HEADER = 'X-Rollout-Notice-Id';

export interface DeliverOptions {
  policy?: Partial<DeliveryPolicy>;
  /** Stops the delivery (e.g. the worker shuts down): running requests are aborted and no more are made. */
  signal?: AbortSignal;
  /** Told about every failed attempt; gets the target's name only. */
  onFailedAttempt?: (attempt: NoticeAttempt) => void;
}

export async function deliverNotice(notice: RolloutNotice, targets: readonly WebhookTarget[], options: DeliverOptions = {}): Promise<NoticeDelivery> {
  const policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
  const signal = options.signal ?? new AbortController().signal;
  const deadline = Date.now() + policy.totalTimeoutMs;
  const body = JSON.stringify(noticeBody(notice));
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'flag-rollout-orchestrator',
    [NOTICE_ID_HEADER]: /^[\x20-\x7e]*$/.test(notice.id) ? notice.id : encodeURIComponent(notice.id),
  };
  const results = await Promise.all(
    targets.map((target) => deliverToTarget(target, { body, headers }, { policy, signal, deadline, onFailedAttempt: options.onFailedAttempt })),
  );
  return {
    id: notice.id,
    delivered: targets.filter((_, index) => results[index]!.delivered).map((target) => target.name),
    failed: targets.filter((_, index) => !results[index]!.delivered).map((target) => target.name),
    attempts: results.flatMap((result) => result.attempts),
  };
}

interface Request {
  body: string;
  headers: Record<string, string>;
}

interface Bounds {
  policy: DeliveryPolicy;
  signal: AbortSignal;
  deadline: number;
  onFailedAttempt?: (attempt: NoticeAttempt) => void;
}

/** What one POST came to: a status or an error, and whether another attempt could succeed. */
interface Outcome {
  status?: number;
  error?: string;
  retryable: boolean;
  retryAfterMs?: number;
}

async function deliverToTarget(target: WebhookTarget, request: Request, bounds: Bounds): Promise<{ delivered: boolean; attempts: NoticeAttempt[] }> {
  const { policy, signal, deadline } = bounds;
  const attempts: NoticeAttempt[] = [];
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0 || signal.aborted) break;
    const startedAt = new Date();
    const started = performance.now();
    const outcome = await post(target, request, Math.min(policy.requestTimeoutMs, left), signal);
    const record: NoticeAttempt = { target: target.name, attempt, at: startedAt.toISOString(), ...pick(outcome), ms: Math.round(performance.now() - started) };
    attempts.push(record);
    if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) return { delivered: true, attempts };
    bounds.onFailedAttempt?.(record);
    if (!outcome.retryable || attempt === policy.attempts) break;
    const wait = Math.max(policy.backoffMs * 2 ** (attempt - 1), outcome.retryAfterMs ?? 0);
    if (Date.now() + wait >= deadline) break;
    const slept = await sleep(wait, true, { signal }).catch(() => false);
    if (!slept) break;
  }
  return { delivered: false, attempts };
}

function pick(outcome: Outcome): Pick<NoticeAttempt, 'status' | 'error'> {
  return { ...(outcome.status !== undefined && { status: outcome.status }), ...(outcome.error !== undefined && { error: outcome.error }) };
}

async function post(target: WebhookTarget, request: Request, timeoutMs: number, cancel: AbortSignal): Promise<Outcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([timeout, cancel]);
  try {
    const response = await fetch(target.url, { method: 'POST', headers: request.headers, body: request.body, signal, redirect: 'manual' });
    const status = response.status;
    if (status >= 200 && status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { status, retryable: false };
    }
    const snippet = await readSnippet(response, target);
    const error = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
    const retryable = status === 408 || status === 429 || status >= 500;
    return { status, error: status >= 300 && status < 400 ? `${error} (redirects are not followed)` : error, retryable, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  } catch (err) {
    if (cancel.aborted) return { error: 'cancelled: the worker stopped the delivery', retryable: false };
    if (timeout.aborted) return { error: `timed out after ${timeoutMs} ms`, retryable: true };
    return { error: scrub(describeFetchError(err), target), retryable: true };
  }
}

/** The start of an error response (Slack says e.g. "invalid_token"), one line, without the target's secret path. */
async function readSnippet(response: Response, target: WebhookTarget): Promise<string> {
  try {
    const text = await response.text();
    return scrub(text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim(), target).slice(0, 200);
  } catch {
    return '';
  }
}

/** fetch fails with "fetch failed" and the reason in its cause (checked by shape: errors may come from another realm). */
function describeFetchError(err: unknown): string {
  const { message, cause } = (typeof err === 'object' && err !== null ? err : {}) as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof cause?.code === 'string') {
    return cause.code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  }
  if (typeof cause?.message === 'string') return cause.message;
  return typeof message === 'string' ? message : String(err);
}

/** Removes the URL, its path and query from text about a request to it: they are the secret. */
function scrub(text: string, target: WebhookTarget): string {
  const url = new URL(target.url);
  let clean = text.replaceAll(target.url, `${url.origin}/…`);
  for (const secret of [url.pathname + url.search, url.pathname, url.search, url.username, url.password]) {
    if (secret.length > 1) clean = clean.replaceAll(secret, '…');
  }
  return clean;
}

/** Retry-After as seconds or an HTTP date (429 and 503 carry it). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
