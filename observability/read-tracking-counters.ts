// Reads the tracking path's counters from Redis for the worker's gauges: today's sent, failed and dropped events, and the outboxes' depth.
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import type { RedisClient } from '../redis/redis-client';
import { outboxKey } from '../tracking/outbox-commands';
import { parseCount } from '../volume/redis-volume-reader';
import { snowplowDroppedByEventKey, snowplowFailedByEventKey, snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';

export interface TrackingCounters {
  /** The UTC day the counts are for (YYYY-MM-DD). */
  day: string;
  sent: number;
  failed: number;
  dropped: number;
  /** Events waiting in every instance's Snowplow outbox, and how many outboxes there are. */
  outboxDepth: number;
  outboxes: number;
}

/** Keys per SCAN step when looking for outboxes. */
const SCAN_COUNT = 1000;

export async function readTrackingCounters(redis: RedisClient, flag: string, at: Date): Promise<TrackingCounters> {
  const day = utcDay(at);
  const sentKey = snowplowSentCounterKey(flag, day);
  const [sent, failed, dropped, outbox] = await Promise.all([
    redis.get(sentKey),
    redis.hvals(snowplowFailedByEventKey(flag, day)),
    redis.hvals(snowplowDroppedByEventKey(flag, day)),
    readOutboxDepth(redis),
  ]);
  const sum = (values: string[], key: string) => values.reduce((total, value) => total + parseCount(value, key), 0);
  return {
    day,
    sent: sent === null ? 0 : parseCount(sent, sentKey),
    failed: sum(failed, snowplowFailedByEventKey(flag, day)),
    dropped: sum(dropped, snowplowDroppedByEventKey(flag, day)),
    ...outbox,
  };
}

/** Every instance's outbox list (found with SCAN on each master, so it works on a cluster too), summed. */
async function readOutboxDepth(redis: RedisClient): Promise<{ outboxDepth: number; outboxes: number }> {
  const pattern = outboxKey('*');
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let outboxDepth = 0;
  let outboxes = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT, 'TYPE', 'list');
      cursor = next;
      if (keys.length === 0) continue;
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.llen(key);
      for (const [error, length] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        outboxDepth += Number(length);
        outboxes += 1;
      }
    } while (cursor !== '0');
  }
  return { outboxDepth, outboxes };
}
