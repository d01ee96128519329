// track() against a real Redis and collector: weekly HLL keys and expiry, Snowplow only where the flag is on, counters.
import type { Environment } from '../flags/environments';
import { EventTracker, type EventTrackerOptions } from '../tracking/event-tracker';
import type { FlagChecker } from '../tracking/flag-checker';
import { HLL_KEY_TTL_SECONDS } from '../tracking/hll-week-key';
import { SERVICE_PING_CONTEXT_SCHEMA } from '../tracking/snowplow-payload-builder';
import { snowplowDroppedByEventKey, snowplowSentByEventKey, snowplowSentCounterKey, snowplowSentPerSecondKey } from '../volume/snowplow-counter-keys';
import { useCollectorServer } from './support/collector-harness';
import { eventually } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const NOW = new Date('2026-11-25T10:00:00.000Z');
const NOW_SECOND = Math.floor(NOW.getTime() / 1000);

/** The flag is on in production for the listed namespaces only; records what it was asked. */
class NamespaceFlags implements FlagChecker {
  readonly asked: Array<[string, Environment, string | undefined]> = [];
  constructor(private readonly enabled: Set<string>) {}
  isEnabled(flag: string, env: Environment, actorId?: string): boolean {
    this.asked.push([flag, env, actorId]);
    return flag === FLAG && env === 'production' && actorId !== undefined && this.enabled.has(actorId.replace(/^group:/, ''));
  }
}

describe('EventTracker', () => {
  const suite = useRedisServer();
  const collectorSuite = useCollectorServer();
  let tracker: EventTracker | undefined;

  function startTracker(flags: FlagChecker, options: Partial<EventTrackerOptions> = {}): EventTracker {
    tracker = new EventTracker({
      redis: suite.redis,
      flags,
      flag: FLAG,
      collectorUrl: collectorSuite.collector.url,
      instanceId: 'web-1',
      now: () => NOW,
      ...options,
    });
    return tracker;
  }

  beforeEach(async () => {
    await suite.redis.flushdb();
  });
  afterEach(async () => {
    await tracker?.close();
    tracker = undefined;
  });

  test('counts unique users per event in the weekly HLL key, which expires after 6 weeks', async () => {
    const t = startTracker(new NamespaceFlags(new Set()));
    // 700 distinct users crosses the 300-value slice and batch size; repeats must not count twice.
    for (let i = 0; i < 700; i++) t.track('i_search_total', { user: `user-${i}`, namespace: 'gitlab-org', env: 'production' });
    for (let i = 0; i < 100; i++) t.track('i_search_total', { user: `user-${i}`, namespace: 'gitlab-org', env: 'production' });
    t.track('g_edit_by_web_ide', { user: 'alice', namespace: 'gitlab-org', env: 'production' });
    await t.flush();

    const key = '{hll_counters}_i_search_total-2026-48';
    const count = await suite.redis.pfcount(key);
    expect(Math.abs(count - 700)).toBeLessThanOrEqual(7); // HyperLogLog: standard error 0.81 %
    expect(await suite.redis.pfcount('{hll_counters}_g_edit_by_web_ide-2026-48')).toBe(1);
    expect(await suite.redis.pfcount(key, '{hll_counters}_g_edit_by_web_ide-2026-48')).toBe(count + 1);
    const ttl = await suite.redis.ttl(key);
    expect(ttl).toBeGreaterThan(HLL_KEY_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(HLL_KEY_TTL_SECONDS);
    // Repeats are dropped only while their first occurrence is still buffered; PFADD makes any others harmless.
    expect(t.stats().hll).toMatchObject({ added: 801, errors: 0, dropped: 0, buffered: 0 });
    expect(t.stats().hll.written).toBeGreaterThanOrEqual(701);
  });

  test('sends to Snowplow only the events of namespaces the flag is on for, as structured events with the service ping context', async () => {
    const flags = new NamespaceFlags(new Set(['gitlab-org']));
    const t = startTracker(flags);
    for (let i = 0; i < 5; i++) t.track('i_search_total', { user: `u${i}`, namespace: 'gitlab-org', project: 'gitlab-org/gitlab', env: 'production' });
    for (let i = 0; i < 7; i++) t.track('i_search_total', { user: `v${i}`, namespace: 'other-group', env: 'production' });
    t.track('i_search_total', { user: 'w', namespace: 'gitlab-org', env: 'staging' });
    t.track('g_edit_by_web_ide', { user: 'alice', namespace: 'gitlab-org', env: 'production' });
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);

    expect(flags.asked).toContainEqual([FLAG, 'production', 'group:gitlab-org']);
    expect(flags.asked).toContainEqual([FLAG, 'production', 'group:other-group']);
    const events = collectorSuite.collector.events();
    expect(events).toHaveLength(6);
    expect(events.filter((e) => e.se_ac === 'i_search_total')).toHaveLength(5);
    for (const event of events) {
      expect(event).toMatchObject({ e: 'se', se_ca: 'Gitlab::UsageDataCounters::HLLRedisCounter', tna: 'gl', aid: 'gitlab' });
      expect(event.se_pr).toBe(event.se_ac);
      const contexts = JSON.parse(event.co ?? '{}') as { data: Array<{ schema: string; data: unknown }> };
      expect(contexts.data).toContainEqual({ schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event.se_ac } });
    }
    expect(new Set(events.map((e) => e.eid)).size).toBe(6);
    // Every event is still counted in HLL, whether or not it went to Snowplow.
    expect(await suite.redis.pfcount('{hll_counters}_i_search_total-2026-48')).toBe(13);
    expect(t.stats()).toMatchObject({ tracked: 14, routed: 6, invalid: 0, snowplow: { sent: 6, queued: 0, dropped: 0 } });
  });

  test('the sent counters (day, per event, per second) equal what the collector received, over many requests', async () => {
    // A small maxPostBytes splits the 300 events into many POSTs, each counted when the collector accepts it.
    const t = startTracker(new NamespaceFlags(new Set(['gitlab-org', 'gitlab-com'])), { maxPostBytes: 20_000 });
    const events = ['i_search_total', 'i_search_paid', 'g_edit_by_web_ide'];
    for (let i = 0; i < 300; i++) {
      t.track(events[i % 3] ?? 'unexpected', { user: `u${i}`, namespace: i % 2 ? 'gitlab-org' : 'gitlab-com', env: 'production' });
    }
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);

    const received = collectorSuite.collector.events();
    expect(received).toHaveLength(300);
    expect(collectorSuite.collector.requests()).toBeGreaterThan(5);
    expect(t.stats().snowplow).toMatchObject({ sent: 300, requests: collectorSuite.collector.requests(), failedAttempts: 0 });
    const byEvent: Record<string, string> = {};
    for (const e of received) byEvent[e.se_ac ?? ''] = String(Number(byEvent[e.se_ac ?? ''] ?? 0) + 1);
    expect(await suite.redis.get(snowplowSentCounterKey(FLAG, '2026-11-25'))).toBe('300');
    expect(await suite.redis.hgetall(snowplowSentByEventKey(FLAG, '2026-11-25'))).toEqual(byEvent);
    expect(await suite.redis.get(snowplowSentPerSecondKey(FLAG, NOW_SECOND))).toBe('300');
  });

  test('past maxQueuedEvents waiting for the Snowplow thread, events are dropped (still counted in HLL) and every loss is counted', async () => {
    const t = startTracker(new NamespaceFlags(new Set(['gitlab-org'])), { maxQueuedEvents: 10 });
    expect(await t.ready()).toBe(true);
    for (let i = 0; i < 50; i++) t.track(i % 2 ? 'i_search_total' : 'g_edit_by_web_ide', { user: `u${i}`, namespace: 'gitlab-org', env: 'production' });
    expect(t.stats()).toMatchObject({ tracked: 50, routed: 50, snowplow: { building: 10, queued: 10, droppedQueueFull: 40, dropped: 40 } });
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);

    expect(collectorSuite.collector.events()).toHaveLength(10);
    expect(await suite.redis.hgetall(snowplowDroppedByEventKey(FLAG, '2026-11-25'))).toEqual({ g_edit_by_web_ide: '20', i_search_total: '20' });
    expect(await suite.redis.pfcount('{hll_counters}_i_search_total-2026-48', '{hll_counters}_g_edit_by_web_ide-2026-48')).toBe(50);
    expect(t.stats().snowplow).toMatchObject({ sent: 10, dropped: 40, queued: 0, building: 0 });
  });

  test('bad input is counted and ignored, never thrown', async () => {
    const t = startTracker(new NamespaceFlags(new Set(['gitlab-org'])));
    const bad: Array<[unknown, unknown]> = [
      ['', { user: 'u', namespace: 'gitlab-org', env: 'production' }],
      ['has space', { user: 'u', namespace: 'gitlab-org', env: 'production' }],
      ['{brace}', { user: 'u', namespace: 'gitlab-org', env: 'production' }],
      [42, { user: 'u', namespace: 'gitlab-org', env: 'production' }],
      ['i_search_total', null],
      ['i_search_total', { user: '', namespace: 'gitlab-org', env: 'production' }],
      ['i_search_total', { user: 'u', env: 'production' }],
      ['i_search_total', { user: 'u', namespace: 'gitlab-org', env: 'prod' }],
      ['i_search_total', { user: 'u', namespace: 'gitlab-org', project: 7, env: 'production' }],
    ];
    for (const [event, ctx] of bad) expect(() => t.track(event as string, ctx as never)).not.toThrow();
    const throwing: FlagChecker = { isEnabled: () => { throw new Error('flag cache broken'); } };
    const t2 = new EventTracker({ redis: suite.redis, flags: throwing, flag: FLAG, collectorUrl: collectorSuite.collector.url, instanceId: 'web-2' });
    expect(() => t2.track('i_search_total', { user: 'u', namespace: 'gitlab-org', env: 'production' })).not.toThrow();
    await t.flush();
    await t2.close();

    expect(t.stats()).toMatchObject({ tracked: 0, invalid: bad.length, routed: 0 });
    expect(t2.stats()).toMatchObject({ tracked: 1, routed: 0, errors: 1 });
    expect(collectorSuite.collector.events()).toHaveLength(0);
  });

  test('track() returns without waiting for Redis or the collector', async () => {
    const t = startTracker(new NamespaceFlags(new Set(['gitlab-org'])));
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) t.track('i_search_total', { user: `u${i}`, namespace: 'gitlab-org', env: 'production' });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(collectorSuite.collector.events()).toHaveLength(0);
    expect(t.stats().snowplow.sent).toBe(0);
    expect(elapsedMs).toBeLessThan(1000);
    await eventually('the loop to send all 2000 events', () => collectorSuite.collector.events().length === 2000, 8000);
  });
});
