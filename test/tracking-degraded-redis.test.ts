// The tracking path while Redis is unreachable: nothing throws, events wait in memory and go out when Redis is back.
import Redis from 'ioredis';
import { freePort } from '../stack/free-port';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { EventTracker } from '../tracking/event-tracker';
import { hllWeekKey } from '../tracking/hll-week-key';
import { HllWriter } from '../tracking/hll-writer';
import { SnowplowOutbox, type DropReason } from '../tracking/snowplow-outbox';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { useCollectorServer } from './support/collector-harness';
import { eventually } from './support/eventually';

/** A client of a Redis that is not there (yet): commands fail at once instead of queueing. */
function unreachableRedis(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  return redis;
}

describe('tracking while Redis is unreachable', () => {
  const collectorSuite = useCollectorServer();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  let port = 0;
  let redis: Redis | undefined;
  let server: RunningRedis | undefined;

  beforeAll(() => process.on('unhandledRejection', onRejection));
  afterAll(() => process.off('unhandledRejection', onRejection));
  beforeEach(async () => {
    port = await freePort();
    redis = unreachableRedis(port);
  });
  afterEach(async () => {
    redis?.disconnect(false);
    await server?.stop();
    server = undefined;
    expect(rejections).toEqual([]);
  });

  test('SnowplowOutbox: no method rejects; events wait in memory up to the bound, the rest are reported as lost', async () => {
    const drops: Array<[number, DropReason]> = [];
    const store = new SnowplowOutbox({
      redis: redis!,
      instanceId: 'x',
      maxMemoryEvents: 10,
      onDrop: (fragments, reason) => drops.push([fragments.length, reason]),
    });
    for (let i = 0; i < 15; i++) store.add([`{"e":"se","se_ac":"a","eid":"${i}"}`]);
    expect(await store.whenWritten()).toBe(false);
    expect(await store.count()).toBe(10);
    expect(await store.read(0, 100)).toBeUndefined();
    expect(await store.page('', 0, 100)).toBeUndefined();
    await store.remove('', 3);
    expect(await store.all()).toHaveLength(10);
    expect(drops).toEqual([[1, 'memory-full'], [1, 'memory-full'], [1, 'memory-full'], [1, 'memory-full'], [1, 'memory-full']]);
    expect(store.stats.errors).toBeGreaterThanOrEqual(4);
    expect(await store.close()).toBe(false);
  });

  test('HllWriter: add() never throws, errors are counted and reported, values are kept within the bound', async () => {
    const errors: unknown[] = [];
    const writer = new HllWriter({ redis: redis!, maxBufferedValues: 5, onError: (e) => errors.push(e) });
    for (let i = 0; i < 8; i++) expect(() => writer.add('{hll_counters}_e-2026-48', `u${i}`)).not.toThrow();
    await writer.flush();
    expect(writer.stats).toMatchObject({ added: 5, dropped: 3, written: 0, buffered: 5 });
    expect(writer.stats.errors).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBe(writer.stats.errors);
    await writer.close();
  });

  test('EventTracker: tracking goes on; once Redis is back the held events are sent and counted', async () => {
    const tracker = new EventTracker({
      redis: redis!,
      flags: { isEnabled: () => true },
      flag: 'route_hll_to_snowplow_phase3',
      collectorUrl: collectorSuite.collector.url,
      instanceId: 'web-1',
      flushIntervalMs: 100,
      maxBackoffMs: 400,
    });
    for (let i = 0; i < 40; i++) expect(() => tracker.track('i_search_total', { user: `u${i}`, namespace: 'g', env: 'production' })).not.toThrow();
    expect(await tracker.flush({ timeoutMs: 300 })).toBe(false);
    expect(tracker.stats().snowplow).toMatchObject({ queued: 40, sent: 0, dropped: 0 });
    // The outbox is written from the Snowplow thread: its failures arrive with the thread's next stats.
    await eventually('the outbox to report failed writes', () => tracker.stats().snowplow.storeErrors > 0);

    server = await startRedisServer({ port });
    await eventually('the held events to be sent', () => collectorSuite.collector.events().length === 40, 5000);
    expect(await tracker.flush({ timeoutMs: 3000 })).toBe(true);
    expect(await redis!.pfcount(hllWeekKey('i_search_total', new Date()))).toBe(40);
    expect(await redis!.get(snowplowSentCounterKey('route_hll_to_snowplow_phase3', utcDay(new Date())))).toBe('40');
    await tracker.close();
  });
});
