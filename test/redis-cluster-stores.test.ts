// On a real Redis Cluster (six nodes): the flag store, its change notifications, the audit log, the layout migration
// through the CLI, and the volume counters and readers each keep their multi-key commands in one hash slot.
import { EXIT_CODES } from '../client/cli-errors';
import { loadConfig } from '../config/load-config';
import { RedisAuditLog } from '../flags/audit-log';
import { ENVIRONMENTS } from '../flags/environments';
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import { migrateFlagLayout } from '../flags/flag-layout-migration';
import { RedisFlagStore, flagChangesChannel } from '../flags/redis-flag-store';
import { createRedisClient } from '../redis/create-redis-client';
import { redisSeriesReader } from '../report/redis-series-reader';
import { readSentPerMinute } from '../volume/read-sent-per-minute';
import { recordSentEvents } from '../volume/record-sent-events';
import { RedisVolumeReader } from '../volume/redis-volume-reader';
import {
  snowplowSentByEventKey,
  snowplowSentCounterKey,
  snowplowSentPerMinuteKey,
  snowplowSentPerSecondKey,
  utcDay,
} from '../volume/snowplow-counter-keys';
import { cliRunner } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { useRedisCluster } from './support/redis-cluster';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisCluster();

describe('the flag store on Redis Cluster', () => {
  it('keeps the features sets, flag hashes and change records of a {tag} prefix in one slot, where Flipper reads them', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: '{flipper}' });
    const keys = [...ENVIRONMENTS.flatMap((env) => [store.featuresKey(env), store.featureKey(FLAG, env)]), store.changeKey('rollout-1:change-1')];
    const slots = new Set(await Promise.all(keys.map((key) => suite.cluster.slotOf(key))));
    expect(slots).toEqual(new Set([await suite.cluster.slotOf('flipper')]));

    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['project:gitlab-org/gitlab'] }, 'rollout-1:change-1');
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    // What Flipper::Adapters::Redis.new(redis, key_prefix: '{flipper}:production:') reads: the set, then the hash.
    expect(store.keyPrefix('production')).toBe('{flipper}:production:');
    expect(await suite.redis.smembers('{flipper}:production:flipper_features')).toEqual([FLAG]);
    expect(await suite.redis.hgetall(`{flipper}:production:${FLAG}`)).toEqual({ 'actors/project:gitlab-org/gitlab': '1', percentage_of_actors: '25' });
  });

  it('refuses a prefix without a hash tag, saying which one to use, before touching Redis (the CLI exits 2)', async () => {
    const refusal = /runs on Redis Cluster, where FLAG_KEY_PREFIX must hold a hash tag .*set FLAG_KEY_PREFIX=\{flipper\}/;
    expect(() => new RedisFlagStore(suite.redis, { prefix: 'flipper' })).toThrow(refusal);
    const cli = cliRunner(loadConfig({ REDIS_URL: suite.cluster.url, REDIS_CLUSTER: 'true' }));
    const run = await cli('feature', 'get', FLAG);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(refusal);
  });

  it('applies, retries idempotently, records, lists, restores, deletes, and announces every write to a cluster subscriber', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: '{ops}' });
    const subscriber = createRedisClient({ url: suite.cluster.url, cluster: true });
    const messages: string[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
      await subscriber.subscribe(flagChangesChannel('{ops}'));

      const first = await store.apply(FLAG, 'staging', { kind: 'boolean', value: true }, 'run-1:staging');
      expect(first).toEqual({ previous: null, current: gates({ boolean: true }) });
      await store.apply(FLAG, 'staging', { kind: 'boolean', value: false });
      // The retry of run-1:staging returns the first result and writes nothing.
      expect(await store.apply(FLAG, 'staging', { kind: 'boolean', value: true }, 'run-1:staging')).toEqual(first);
      expect(await store.get(FLAG, 'staging')).toEqual(emptyGates());
      expect(await store.changeRecord('run-1:staging')).toEqual(first);

      await store.apply('other_flag', 'staging', { kind: 'actors', actors: ['user:alice'] });
      expect((await store.list('staging')).sort()).toEqual(['other_flag', FLAG]);
      await store.apply(FLAG, 'staging', { kind: 'restore', gates: gates({ boolean: true }) });
      expect(await store.get(FLAG, 'staging')).toEqual(gates({ boolean: true }));
      await store.delete('other_flag', 'staging');
      expect(await store.list('staging')).toEqual([FLAG]);

      const expected = ['staging\nroute_hll_to_snowplow_phase3', 'staging\nroute_hll_to_snowplow_phase3', 'staging\nother_flag', 'staging\nroute_hll_to_snowplow_phase3', 'staging\nother_flag'];
      await pollUntil(() => messages.length, (n) => n >= expected.length, { what: 'five change messages', timeoutMs: 5000 });
      expect(messages).toEqual(expected);
    } finally {
      await subscriber.quit();
    }
  });

  it('keeps every write when writers race on one flag', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: '{race}' });
    const actors = Array.from({ length: 20 }, (_, i) => `user:u${i}`);
    await Promise.all(actors.map((actor) => store.apply(FLAG, 'production', { kind: 'actors', actors: [actor] })));
    expect((await store.get(FLAG, 'production'))?.actors).toEqual([...actors].sort());
  });
});

describe('the audit log and the layout migration on Redis Cluster', () => {
  it('appends and reads audit entries', async () => {
    const audit = new RedisAuditLog(suite.redis, { prefix: '{flipper}' });
    const record = { flag: FLAG, env: 'production' as const, action: 'set' as const, by: 'alice', command: `feature set ${FLAG} true`, before: null, after: gates({ boolean: true }), rollout: 'none' as const, forced: false };
    const entry = await audit.append(record);
    expect(await audit.latest(FLAG, 5)).toEqual([entry]);
  });

  it('moves the old layout through `rollout flags migrate` with REDIS_CLUSTER=true', async () => {
    const prefix = '{mig}';
    await suite.redis.sadd(`${prefix}:production:features`, FLAG);
    await suite.redis.hset(`${prefix}:production:feature:${FLAG}`, { percentage_of_actors: '25' });
    const cli = cliRunner(loadConfig({ REDIS_URL: suite.cluster.url, REDIS_CLUSTER: 'true', FLAG_KEY_PREFIX: prefix }));
    const run = await cli('flags', 'migrate');
    expect(run).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
    expect(run.stdout).toContain(`production ${FLAG}: moved (25% of actors)`);
    expect(await new RedisFlagStore(suite.redis, { prefix }).get(FLAG, 'production')).toEqual(gates({ percentageOfActors: 25 }));
    expect((await migrateFlagLayout(suite.redis, { prefix })).entries).toEqual([]);
  });
});

describe('the volume counters on Redis Cluster', () => {
  const at = new Date('2026-05-04T09:00:30.000Z');

  it("keep a flag's day, per-event, per-second and per-minute counters in the flag's slot", async () => {
    const second = Math.floor(at.getTime() / 1000);
    const keys = [
      snowplowSentCounterKey(FLAG, utcDay(at)),
      snowplowSentByEventKey(FLAG, utcDay(at)),
      snowplowSentPerSecondKey(FLAG, second),
      snowplowSentPerMinuteKey(FLAG, Math.floor(second / 60)),
      snowplowSentCounterKey(FLAG, '2026-04-27'),
    ];
    expect(new Set(await Promise.all(keys.map((key) => suite.cluster.slotOf(key))))).toEqual(new Set([await suite.cluster.slotOf(FLAG)]));
  });

  it('are written in one MULTI and read back by the guard (MGET across days) and the report (pipelined MGETs)', async () => {
    await suite.redis.set(snowplowSentCounterKey(FLAG, '2026-05-03'), '700');
    await suite.redis.set(snowplowSentCounterKey(FLAG, '2026-05-01'), '900');
    await recordSentEvents(suite.redis, FLAG, new Map([['page_view', 3], ['click', 2]]), new Date(at.getTime() - 1000));
    const reading = await new RedisVolumeReader(suite.redis).read(FLAG, at, 10);
    expect(reading).toMatchObject({ day: '2026-05-04', count: 5, rollingAverage: 800, rollingDays: 2, windowSeconds: 10, windowCount: 5 });
    expect(await suite.redis.hgetall(snowplowSentByEventKey(FLAG, '2026-05-04'))).toEqual({ page_view: '3', click: '2' });

    const series = await readSentPerMinute(suite.redis, FLAG, new Date('2026-05-04T08:58:00Z'), new Date('2026-05-04T09:01:00Z'));
    expect(series).toEqual({ firstMinute: '2026-05-04T08:58:00.000Z', counts: [0, 0, 5, 0] });
    const reader = redisSeriesReader(loadConfig({ REDIS_URL: suite.cluster.url, REDIS_CLUSTER: 'true' }));
    try {
      expect(await reader.read(FLAG, new Date('2026-05-04T08:58:00Z'), new Date('2026-05-04T09:01:00Z'))).toEqual(series);
    } finally {
      await reader.close();
    }
  });
});
