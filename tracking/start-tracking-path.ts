// Wires a running tracking path from configuration: Redis connections, the in-process flag cache and the event tracker.
import type { AppConfig } from '../config/load-config';
import { ENVIRONMENTS } from '../flags/environments';
import { createFlagStore } from '../flags/create-flag-store';
import { createRedisClient, redisSettingsOf } from '../redis/create-redis-client';
import { EventTracker, type EventTrackerOptions } from './event-tracker';
import { FlagCache } from './flag-cache';

export interface TrackingPath {
  tracker: EventTracker;
  cache: FlagCache;
  /** Flushes what it can within `timeoutMs`, then closes the tracker, the cache and both connections. */
  close(timeoutMs?: number): Promise<void>;
}

export async function startTrackingPath(
  config: AppConfig,
  overrides: Partial<Omit<EventTrackerOptions, 'redis' | 'flags'>> = {},
): Promise<TrackingPath> {
  // REDIS_URL, REDIS_CLUSTER and REDIS_TLS_*: a single server or a cluster; problems go to onError, never to stderr.
  const settings = redisSettingsOf(config);
  const onError = overrides.onError;
  const use = { onError: onError && ((detail: string) => onError(new Error(detail))) };
  const redis = createRedisClient(settings, use);
  // Subscribed connections cannot send other commands: the cache gets one of its own.
  const subscriber = createRedisClient(settings, use);
  // Flags are read where FLAG_BACKEND keeps them (GitLab's Features API announces its writes on the same channel).
  const cache = new FlagCache({ store: createFlagStore({ redis, prefix: config.flagKeyPrefix, flags: config.flags }), subscriber, prefix: config.flagKeyPrefix });
  try {
    await cache.start([{ flag: config.tracking.flag, environments: [...ENVIRONMENTS] }]);
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    throw err;
  }
  const tracker = new EventTracker({
    redis,
    flags: cache,
    flag: config.tracking.flag,
    collectorUrl: config.tracking.collectorUrl,
    instanceId: config.tracking.instanceId,
    ...overrides,
  });
  return {
    tracker,
    cache,
    async close(timeoutMs = 2000) {
      await tracker.close({ timeoutMs });
      await cache.stop();
      await Promise.all([redis.quit().catch(() => undefined), subscriber.quit().catch(() => undefined)]);
    },
  };
}
