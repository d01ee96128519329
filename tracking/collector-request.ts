// One tp2 POST of payload fragments to a Snowplow collector, with a timeout, classified the way tracker-core's emitter does.
import http from 'node:http';
import https from 'node:https';
import { batchBody } from './snowplow-batch';

export interface CollectorRequestOptions {
  /** Collector base URL, e.g. http://localhost:9090 (without a scheme, https:// is assumed, as tracker-core does). */
  collectorUrl: string;
  /** Whole request, response body included. Default 5 s. */
  connectionTimeoutMs?: number;
}

/** `sent`: 2xx. `refused`: a status the collector will never accept these events with. `failed`: retry later. */
export type CollectorOutcome = { kind: 'sent' } | { kind: 'refused'; status: number } | { kind: 'failed'; reason: string };

export interface CollectorPoster {
  post(fragments: readonly string[]): Promise<CollectorOutcome>;
  /** Closes the kept-alive connection. */
  close(): void;
}

/** Statuses tracker-core never retries: the events are removed and counted as lost. */
const REFUSED_FOR_GOOD = new Set([400, 401, 403, 410, 422]);
const TP2_PATH = '/com.snowplowanalytics.snowplow/tp2';

/**
 * Posts batches to one collector over kept-alive connections (node:http: a body of half a megabyte costs about half
 * the CPU it does through fetch). Never rejects.
 */
export function collectorPoster(options: CollectorRequestOptions): CollectorPoster {
  const base = options.collectorUrl.replace(/\/+$/, '');
  const url = new URL((base.includes('://') ? base : `https://${base}`) + TP2_PATH);
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true });
  const timeoutMs = options.connectionTimeoutMs ?? 5000;
  const post = (fragments: readonly string[]) =>
    new Promise<CollectorOutcome>((resolve) => {
      const body = batchBody(fragments, Date.now());
      let settled = false;
      const settle = (outcome: CollectorOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const failed = (reason: string) => settle({ kind: 'failed', reason: `collector ${url.href}: ${reason}` });
      const request = transport.request(url, {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(body) },
      });
      const timer = setTimeout(() => {
        failed(`no answer within ${timeoutMs} ms`);
        request.destroy();
      }, timeoutMs);
      request.on('error', (error) => failed(error.message));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        response.on('error', (error) => failed(error.message));
        // The answer counts once it was read whole, as tracker-core waits for response.text().
        response.on('end', () => {
          if (status >= 200 && status < 300) settle({ kind: 'sent' });
          else if (REFUSED_FOR_GOOD.has(status)) settle({ kind: 'refused', status });
          else failed(`answered ${status} ${response.statusMessage ?? ''}`.trim());
        });
        response.resume();
      });
      request.end(body);
    });
  return { post, close: () => agent.destroy() };
}
