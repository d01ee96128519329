// The tracking path on a real Redis Cluster (six nodes): HLL batches, the outbox scripts and the counters each stay in
// one hash slot, the Snowplow thread connects to the cluster itself, and a collector outage loses nothing.
import { loadConfig } from '../config/load-config';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { hllWeekKey } from '../tracking/hll-week-key';
import { outboxKey, outboxTrimmedKey } from '../tracking/outbox-commands';
import { startTrackingPath, type TrackingPath } from '../tracking/start-tracking-path';
import {
  snowplowDroppedByEventKey,
  snowplowFailedByEventKey,
  snowplowSentByEventKey,
  snowplowSentCounterKey,
  snowplowSentPerMinuteKey,
  snowplowSentPerSecondKey,
  utcDay,
} from '../volume/snowplow-counter-keys';
import { useCollectorServer } from './support/collector-harness';
import { eventually } from './support/eventually';
import { useRedisCluster } from './support/redis-cluster';

const FLAG = 'route_hll_to_snowplow_phase3';
const EVENTS = ['i_search_total', 'g_edit_by_web_ide', 'i_quickactions_approve'];
const suite = useRedisCluster();
const collectorSuite = useCollectorServer();
let path: TrackingPath | undefined;

async function startPath(instanceId: string): Promise<TrackingPath> {
  const config = loadConfig({
    REDIS_URL: suite.cluster.url,
    REDIS_CLUSTER: 'true',
    FLAG_KEY_PREFIX: '{flipper}',
    SNOWPLOW_COLLECTOR_URL: collectorSuite.collector.url,
    TRACKING_INSTANCE_ID: instanceId,
  });
  path = await startTrackingPath(config, { flushIntervalMs: 100, maxBackoffMs: 500 });
  return path;
}

function trackMany(target: TrackingPath, n: number): void {
  for (let i = 0; i < n; i++) {
    // gitlab-org has the flag; other-group does not (HLL only).
    target.tracker.track(EVENTS[i % EVENTS.length]!, { user: `u${i}`, namespace: i % 4 === 3 ? 'other-group' : 'gitlab-org', env: 'production' });
  }
}

beforeAll(async () => {
  await new RedisFlagStore(suite.redis, { prefix: '{flipper}' }).apply(FLAG, 'production', { kind: 'actors', actors: ['group:gitlab-org'] });
});

afterEach(async () => {
  await path?.close(0);
  path = undefined;
});

it('keeps each multi-key write in one slot: the HLL keys, the outbox of an instance, the counters of a flag', async () => {
  const now = new Date();
  const second = Math.floor(now.getTime() / 1000);
  const groups = [
    EVENTS.map((event) => hllWeekKey(event, now)),
    [outboxKey('web-1'), outboxTrimmedKey('web-1')],
    [
      snowplowSentCounterKey(FLAG, utcDay(now)),
      snowplowSentByEventKey(FLAG, utcDay(now)),
      snowplowSentPerSecondKey(FLAG, second),
      snowplowSentPerMinuteKey(FLAG, Math.floor(second / 60)),
      snowplowFailedByEventKey(FLAG, utcDay(now)),
      snowplowDroppedByEventKey(FLAG, utcDay(now)),
    ],
  ];
  for (const keys of groups) expect(new Set(await Promise.all(keys.map((key) => suite.cluster.slotOf(key)))).size).toBe(1);
});

it('counts every event in HLL and delivers the flagged ones through the outbox on the cluster, counters included', async () => {
  const started = new Date();
  const tracking = await startPath('cluster-1');
  trackMany(tracking, 800);
  expect(await tracking.tracker.flush({ timeoutMs: 20_000 })).toBe(true);

  const routed = tracking.tracker.stats().routed;
  expect(routed).toBe(600);
  expect(collectorSuite.collector.events()).toHaveLength(600);
  expect(new Set(collectorSuite.collector.events().map((e) => e.eid)).size).toBe(600);
  // Multi-key PFCOUNT (a union) works because the weekly keys share the {hll_counters} slot.
  const union = await suite.redis.pfcount(...EVENTS.map((event) => hllWeekKey(event, started)));
  expect(Math.abs(union - 800)).toBeLessThanOrEqual(8);
  expect(Number(await suite.redis.get(snowplowSentCounterKey(FLAG, utcDay(started))))).toBe(600);
  const byEvent = await suite.redis.hgetall(snowplowSentByEventKey(FLAG, utcDay(started)));
  expect(Object.values(byEvent).reduce((sum, n) => sum + Number(n), 0)).toBe(600);
  expect(await suite.redis.llen(outboxKey('cluster-1'))).toBe(0);
  expect(tracking.tracker.stats().snowplow).toMatchObject({ sent: 600, dropped: 0, queued: 0, storeErrors: 0, counterErrors: 0 });
});

it('keeps events in the outbox on the cluster while the collector is down and sends them all when it is back', async () => {
  await collectorSuite.collector.setDown('refuse');
  const tracking = await startPath('cluster-2');
  trackMany(tracking, 400);
  await eventually('the outbox on the cluster to hold the flagged events', async () => (await suite.redis.llen(outboxKey('cluster-2'))) === 300);
  await eventually('a failed attempt', () => tracking.tracker.stats().snowplow.failedAttempts >= 1);
  await collectorSuite.collector.setDown('up');

  expect(await tracking.tracker.flush({ timeoutMs: 20_000 })).toBe(true);
  expect(collectorSuite.collector.events()).toHaveLength(300);
  expect(await suite.redis.llen(outboxKey('cluster-2'))).toBe(0);
  expect(tracking.tracker.stats().snowplow).toMatchObject({ sent: 300, dropped: 0, queued: 0 });
});
