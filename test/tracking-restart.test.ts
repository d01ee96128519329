// Events handed to a tracker that dies are sent by the next process with the same instance id.
import Redis from 'ioredis';
import { EventTracker } from '../tracking/event-tracker';
import type { FlagChecker } from '../tracking/flag-checker';
import { outboxKey } from '../tracking/outbox-commands';
import { createPayloadBuilder } from '../tracking/snowplow-payload-builder';
import { snowplowDroppedByEventKey, snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { useCollectorServer } from './support/collector-harness';
import { eventually } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const everywhere: FlagChecker = { isEnabled: () => true };

describe('tracking across a restart of the process', () => {
  const suite = useRedisServer();
  const collectorSuite = useCollectorServer();
  const connections: Redis[] = [];
  const trackers: EventTracker[] = [];

  /** A "process": its own Redis connection and tracker, its Snowplow thread running. */
  async function startProcess(instanceId: string): Promise<{ tracker: EventTracker; redis: Redis }> {
    const redis = new Redis(suite.url);
    connections.push(redis);
    const tracker = new EventTracker({
      redis,
      flags: everywhere,
      flag: FLAG,
      collectorUrl: collectorSuite.collector.url,
      instanceId,
      flushIntervalMs: 100,
      maxBackoffMs: 500,
    });
    trackers.push(tracker);
    expect(await tracker.ready()).toBe(true);
    return { tracker, redis };
  }

  beforeEach(async () => {
    await suite.redis.flushdb();
  });
  afterEach(async () => {
    for (const tracker of trackers.splice(0)) await tracker.close({ timeoutMs: 0 });
    for (const redis of connections.splice(0)) if (redis.status === 'ready') await redis.quit();
  });

  test('events left by a process that died are sent by the next process with the same instanceId', async () => {
    await collectorSuite.collector.setDown('refuse');
    const first = await startProcess('web-1');
    for (let i = 0; i < 50; i++) first.tracker.track('i_search_total', { user: `u${i}`, namespace: 'gitlab-org', env: 'production' });
    await eventually('the outbox to hold the events', async () => (await suite.redis.llen(outboxKey('web-1'))) === 50);
    await eventually('a failed attempt', () => first.tracker.stats().snowplow.failedAttempts >= 1);
    // The process dies: no flush, its connection is gone.
    await first.tracker.close({ timeoutMs: 0 });
    await first.redis.quit();
    await collectorSuite.collector.setDown('up');
    expect(collectorSuite.collector.events()).toHaveLength(0);

    // A process with another id does not take them.
    const other = await startProcess('web-2');
    // The restarted process does, on its own loop (no explicit flush).
    const second = await startProcess('web-1');
    await eventually('the restarted process to send the events', () => collectorSuite.collector.events().length === 50, 5000);

    expect(collectorSuite.collector.events().every((e) => e.se_ac === 'i_search_total')).toBe(true);
    expect(new Set(collectorSuite.collector.events().map((e) => e.eid)).size).toBe(50);
    await eventually('the outbox to be empty', async () => (await suite.redis.llen(outboxKey('web-1'))) === 0);
    await second.tracker.flush({ timeoutMs: 2000 });
    expect(await suite.redis.get(snowplowSentCounterKey(FLAG, utcDay(new Date())))).toBe('50');
    expect(second.tracker.stats().snowplow).toMatchObject({ sent: 50, queued: 0, dropped: 0 });
    expect(other.tracker.stats().snowplow.sent).toBe(0);
  });

  test('close() without a collector still leaves every tracked event in Redis for the next process', async () => {
    await collectorSuite.collector.setDown('refuse');
    const first = await startProcess('web-3');
    for (let i = 0; i < 30; i++) first.tracker.track('g_edit_by_web_ide', { user: `u${i}`, namespace: 'gitlab-org', env: 'production' });
    // Closed in the same turn: the events are still in the write-behind buffer, and close() must write them.
    await first.tracker.close({ timeoutMs: 0 });
    expect(await suite.redis.llen(outboxKey('web-3'))).toBe(30);
    await first.redis.quit();

    await collectorSuite.collector.setDown('up');
    const second = await startProcess('web-3');
    expect(await second.tracker.flush({ timeoutMs: 3000 })).toBe(true);
    expect(collectorSuite.collector.events()).toHaveLength(30);
  });

  test('events the previous version left (tracker-core JSON) are sent by the new one; an entry that is no event is dropped and counted', async () => {
    const payload = JSON.parse(createPayloadBuilder()('i_search_total', Date.now())) as Record<string, string>;
    await suite.redis.rpush(outboxKey('web-4'), JSON.stringify({ payload }), 'not an event');
    const next = await startProcess('web-4');
    expect(await next.tracker.flush({ timeoutMs: 5000 })).toBe(true);

    expect(collectorSuite.collector.events()).toEqual([expect.objectContaining({ se_ac: 'i_search_total', eid: payload.eid })]);
    expect(await suite.redis.llen(outboxKey('web-4'))).toBe(0);
    expect(await suite.redis.hgetall(snowplowDroppedByEventKey(FLAG, utcDay(new Date())))).toEqual({ unknown: '1' });
    expect(next.tracker.stats().snowplow).toMatchObject({ sent: 1, dropped: 1, storeErrors: 1, queued: 0 });
  });
});
