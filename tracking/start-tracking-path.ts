// Wires a running tracking path from configuration: Redis connections, the in-process flag cache and the event tracker.
import Redis from 'ioredis';
import type { AppConfig } from '../config/load-config';
import { ENVIRONMENTS } from '../flags/environments';
import { createFlagStore } from '../flags/create-flag-store';
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
  const redis = new Redis(config.redisUrl);
  // Subscribed connections cannot send other commands: the cache gets one of its own.
  const subscriber = new Redis(config.redisUrl);
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
