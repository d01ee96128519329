// Reads per-minute Snowplow series from the Redis at a URL, failing fast with the (masked) address when it cannot be reached.
import Redis from 'ioredis';
import { maskUrlPassword } from '../config/load-config';
import { readSentPerMinute, type MinuteSeries } from '../volume/read-sent-per-minute';

export interface SeriesReader {
  read(flag: string, start: Date, end: Date): Promise<MinuteSeries>;
  close(): Promise<void>;
}

/** A reader that connects on its first read (within `connectTimeoutMs`) and never queues commands while Redis is down. */
export function redisSeriesReader(redisUrl: string, connectTimeoutMs = 3000): SeriesReader {
  let redis: Redis | null = null;
  return {
    async read(flag, start, end) {
      if (redis === null) {
        redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: connectTimeoutMs, retryStrategy: () => null });
        redis.on('error', () => undefined);
        try {
          await redis.connect();
        } catch (err) {
          throw new Error(`cannot reach Redis at ${maskUrlPassword(redisUrl)}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return readSentPerMinute(redis, flag, start, end);
    },
    async close() {
      if (redis === null || redis.status === 'end') return;
      if (redis.status === 'ready') await redis.quit().catch(() => undefined);
      else redis.disconnect();
    },
  };
}
