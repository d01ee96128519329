// A flag change made the way the rollout makes it reaches a running tracking path within a second.
import { loadConfig } from '../config/load-config';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { startCollectorServer, type RunningCollector } from '../stack/collector-server';
import { startTrackingPath, type TrackingPath } from '../tracking/start-tracking-path';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { useRedisServer } from './support/use-redis-server';
import { pollUntil } from './support/eventually';

const FLAG = 'route_hll_to_snowplow_phase3';
// At top level, so its afterAll (stopping Redis) runs after the describe's afterAll has closed the tracking path.
const suite = useRedisServer();
let collector: RunningCollector;
let path: TrackingPath;

describe('a running tracking path', () => {
  beforeAll(async () => {
    collector = await startCollectorServer();
    const config = loadConfig({ REDIS_URL: suite.url, SNOWPLOW_COLLECTOR_URL: collector.url, TRACKING_INSTANCE_ID: 'propagation-test' });
    path = await startTrackingPath(config, { flushIntervalMs: 50 });
  });

  afterAll(async () => {
    await path?.close();
    await collector?.stop();
  });

  function within<T>(timeoutMs: number, read: () => T | Promise<T>, ok: (v: T) => boolean): Promise<{ value: T; elapsedMs: number }> {
    return pollUntil(read, ok, { timeoutMs });
  }

  it('routes a namespace to Snowplow within a second of the rollout enabling it, and stops when it is restored', async () => {
    const store = new RedisFlagStore(suite.redis); // the rollout worker's own connection
    const track = () => path.tracker.track('i_quickactions_approve', { user: 'u1', namespace: 'gitlab-org', env: 'production' });

    track();
    expect(path.tracker.stats().routed).toBe(0);

    const applied = await store.apply(FLAG, 'production', { kind: 'actors', actors: ['group:gitlab-org'] }, 'propagation-1');
    const seen = await within(1000, () => path.cache.isEnabled(FLAG, 'production', 'group:gitlab-org'), (on) => on);
    expect(seen.elapsedMs).toBeLessThan(1000);
    track();
    expect(path.tracker.stats().routed).toBe(1);
    expect(path.cache.isEnabled(FLAG, 'production', 'group:gitlab-com')).toBe(false);

    await within(5000, () => collector.events().length, (n) => n === 1);
    expect(collector.events()[0]).toMatchObject({ se_ac: 'i_quickactions_approve' });
    await within(2000, () => suite.redis.get(snowplowSentCounterKey(FLAG, utcDay(new Date()))), (v) => v === '1');

    // Rollback restores the previous (absent) flag: the namespace stops being routed just as fast.
    await store.apply(FLAG, 'production', { kind: 'restore', gates: applied.previous }, 'propagation-1/revert');
    await within(1000, () => path.cache.isEnabled(FLAG, 'production', 'group:gitlab-org'), (on) => !on);
    track();
    expect(path.tracker.stats().routed).toBe(1);
  });
});
