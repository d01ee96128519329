// Writes the counters for events the collector accepted, in one round trip.
import type { RedisClient } from '../redis/redis-client';
import {
  DAILY_TTL_SECONDS,
  PER_MINUTE_TTL_SECONDS,
  PER_SECOND_TTL_SECONDS,
  snowplowSentByEventKey,
  snowplowSentCounterKey,
  snowplowSentPerMinuteKey,
  snowplowSentPerSecondKey,
  utcDay,
} from './snowplow-counter-keys';

/** Adds `countsByEvent` to the day, per-event, per-second and per-minute counters of `flag` at time `at`. */
export async function recordSentEvents(redis: RedisClient, flag: string, countsByEvent: ReadonlyMap<string, number>, at: Date): Promise<void> {
  let total = 0;
  for (const n of countsByEvent.values()) total += n;
  if (total === 0) return;
  const day = utcDay(at);
  const second = Math.floor(at.getTime() / 1000);
  const minute = Math.floor(second / 60);
  const multi = redis.multi();
  multi.incrby(snowplowSentCounterKey(flag, day), total).expire(snowplowSentCounterKey(flag, day), DAILY_TTL_SECONDS);
  for (const [event, n] of countsByEvent) multi.hincrby(snowplowSentByEventKey(flag, day), event, n);
  multi.expire(snowplowSentByEventKey(flag, day), DAILY_TTL_SECONDS);
  multi.incrby(snowplowSentPerSecondKey(flag, second), total).expire(snowplowSentPerSecondKey(flag, second), PER_SECOND_TTL_SECONDS);
  multi.incrby(snowplowSentPerMinuteKey(flag, minute), total).expire(snowplowSentPerMinuteKey(flag, minute), PER_MINUTE_TTL_SECONDS);
  await multi.exec();
}
