// The Redis client behind a worker's activities: fails a command fast while Redis is down, so Temporal's retries decide.
import Redis from 'ioredis';
import { maskUrlPassword } from '../config/load-config';

/** Connection problems are reported here (at most one line per distinct error until it reconnects), never on stderr. */
export type RedisProblemReporter = (event: 'error' | 'ready', detail: string) => void;

/**
 * A client that keeps reconnecting (every 200 ms growing to 2 s) but fails each command after one failed reconnect:
 * an activity then fails in about a second and is retried by its Temporal retry policy (flag writes for the plan's
 * outageTolerance, guard reads as "unreadable"), instead of hanging on a queue until its timeout.
 */
export function createWorkerRedis(url: string, report: RedisProblemReporter = () => undefined): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastError: string | null = null;
  redis.on('error', (error: Error) => {
    const detail = `Redis at ${maskUrlPassword(url)}: ${error.message}`;
    if (detail !== lastError) report('error', detail);
    lastError = detail;
  });
  redis.on('ready', () => {
    if (lastError !== null) report('ready', `Redis at ${maskUrlPassword(url)} is reachable again`);
    lastError = null;
  });
  return redis;
}
