// One tp2 POST of payload fragments to a Snowplow collector, with a timeout, classified the way tracker-core's emitter does.
import { batchBody } from './snowplow-batch';

export interface CollectorRequestOptions {
  /** Collector base URL, e.g. http://localhost:9090 (without a scheme, https:// is assumed, as tracker-core does). */
  collectorUrl: string;
  /** Whole request, response body included. Default 5 s. */
  connectionTimeoutMs?: number;
}

/** `sent`: 2xx. `refused`: a status the collector will never accept these events with. `failed`: retry later. */
export type CollectorOutcome = { kind: 'sent' } | { kind: 'refused'; status: number } | { kind: 'failed'; reason: string };

/** Statuses tracker-core never retries: the events are removed and counted as lost. */
const REFUSED_FOR_GOOD = new Set([400, 401, 403, 410, 422]);
const TP2_PATH = '/com.snowplowanalytics.snowplow/tp2';

/** Posts batches to one collector; never rejects. */
export function collectorPoster(options: CollectorRequestOptions): (fragments: readonly string[]) => Promise<CollectorOutcome> {
  const base = options.collectorUrl.replace(/\/+$/, '');
  const url = (base.includes('://') ? base : `https://${base}`) + TP2_PATH;
  const timeoutMs = options.connectionTimeoutMs ?? 5000;
  return async (fragments) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const request = new Request(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=UTF-8' },
        body: batchBody(fragments, Date.now()),
        signal: controller.signal,
      });
      const response = await fetch(request);
      await response.text();
      if (response.ok) return { kind: 'sent' };
      if (REFUSED_FOR_GOOD.has(response.status)) return { kind: 'refused', status: response.status };
      return { kind: 'failed', reason: `collector ${url} answered ${response.status} ${response.statusText}`.trim() };
    } catch (error) {
      const reason = controller.signal.aborted ? String((controller.signal.reason as Error | undefined)?.message) : error instanceof Error ? error.message : String(error);
      return { kind: 'failed', reason: `collector ${url}: ${reason}` };
    } finally {
      clearTimeout(timer);
    }
  };
}
