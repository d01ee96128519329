// Reads per-minute Snowplow series from Redis (one server or a cluster), failing fast with the (masked) address when it cannot be reached.
import { createRedisClient, redisSettingsOf, type RedisTarget } from '../redis/create-redis-client';
import { cannotReachRedis } from '../redis/describe-redis-address';
import type { RedisClient } from '../redis/redis-client';
import { readSentPerMinute, type MinuteSeries } from '../volume/read-sent-per-minute';

export interface SeriesReader {
  read(flag: string, start: Date, end: Date): Promise<MinuteSeries>;
  close(): Promise<void>;
}

/**
 * A reader that connects on its first read (within `connectTimeoutMs`) and never queues commands while Redis is down.
 * A URL is one server (tests); the configuration may name a cluster (REDIS_CLUSTER) and TLS files (REDIS_TLS_*).
 */
export function redisSeriesReader(target: RedisTarget, connectTimeoutMs = 3000): SeriesReader {
  const settings = redisSettingsOf(target);
  let redis: RedisClient | null = null;
  return {
    async read(flag, start, end) {
      if (redis === null) {
        redis = createRedisClient(settings, { lazyConnect: true, failFast: true, queueWhileConnecting: false, connectTimeoutMs, reconnectDelayMs: null });
        try {
          await redis.connect();
        } catch (err) {
          throw new Error(cannotReachRedis(settings, err));
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
