// FlagCache on a real redis-server: propagation from another connection, reconnects, periodic refresh, coalescing.
import Redis, { type RedisOptions } from 'ioredis';
import type { Environment } from '../flags/environments';
import type { FlagStore } from '../flags/flag-store';
import { isInPercentageOfActors } from '../flags/percentage-of-actors';
import { RedisFlagStore, flagChangesChannel } from '../flags/redis-flag-store';
import { FlagCache, type FlagCacheOptions } from '../tracking/flag-cache';
import { useRedisServer } from './support/use-redis-server';
import { eventually } from './support/eventually';

const FLAG = 'route_hll_to_snowplow_phase3';
const suite = useRedisServer();

let prefixCounter = 0;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connection(options: RedisOptions = {}): Redis {
  const redis = new Redis(suite.url, options);
  cleanups.push(() => redis.quit().catch(() => redis.disconnect()));
  return redis;
}

interface Setup {
  prefix: string;
  cache: FlagCache;
  subscriber: Redis;
  /** A store on its own connection, as the rollout worker (another process) would write. */
  writer: RedisFlagStore;
}

interface SetUpOptions {
  cache?: Partial<FlagCacheOptions>;
  subscriber?: RedisOptions;
  /** Replaces the cache's reads, e.g. to hold or fail them; gets the real store's `get`. */
  get?: (real: FlagStore['get'], flag: string, env: Environment) => ReturnType<FlagStore['get']>;
}

/** A cache in "this process" (own read and subscriber connections) and a writer in "another" one. */
function setUp(options: SetUpOptions = {}): Setup {
  const prefix = `cache${++prefixCounter}`;
  const subscriber = connection(options.subscriber);
  const real = new RedisFlagStore(connection(), { prefix });
  const override = options.get;
  const store: FlagStore = override
    ? {
        get: (flag, env) => override((f, e) => real.get(f, e), flag, env),
        apply: (...args) => real.apply(...args),
        changeRecord: (id) => real.changeRecord(id),
        list: (env) => real.list(env),
        delete: (flag, env) => real.delete(flag, env),
      }
    : real;
  const cache = new FlagCache({ store, subscriber, prefix, refreshIntervalMs: 60_000, ...options.cache });
  cleanups.push(() => cache.stop());
  return { prefix, cache, subscriber, writer: new RedisFlagStore(connection(), { prefix }) };
}

/** Polls `predicate`; returns the milliseconds it took to hold, or throws after `timeoutMs`. */
function waitUntil(predicate: () => boolean, timeoutMs = 3000): Promise<number> {
  return eventually('the cache to change', predicate, timeoutMs);
}

function once(emitter: Redis, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

describe('FlagCache', () => {
  it('answers from the gates loaded at start, and false for unwatched pairs', async () => {
    const { cache, writer } = setUp();
    await writer.apply(FLAG, 'staging', { kind: 'boolean', value: true });
    await writer.apply(FLAG, 'production', { kind: 'actors', actors: ['group:gitlab-org'] });
    await writer.apply('other_flag', 'production', { kind: 'boolean', value: true });
    await writer.apply('other_flag', 'staging', { kind: 'boolean', value: true });
    await cache.start([
      { flag: FLAG, environments: ['staging', 'production', 'dev'] },
      { flag: 'other_flag', environments: ['staging'] },
    ]);

    expect(cache.isEnabled(FLAG, 'staging')).toBe(true);
    expect(cache.isEnabled(FLAG, 'dev')).toBe(false);
    expect(cache.isEnabled(FLAG, 'production', 'group:gitlab-org')).toBe(true);
    expect(cache.isEnabled(FLAG, 'production', 'group:gitlab-com')).toBe(false);
    expect(cache.isEnabled(FLAG, 'production')).toBe(false);
    expect(cache.isEnabled(FLAG, 'staging-ref')).toBe(false); // not watched
    expect(cache.isEnabled('other_flag', 'staging')).toBe(true);
    expect(cache.isEnabled('other_flag', 'production')).toBe(false); // not watched in production
  });

  it('sees a change written through another connection within a second', async () => {
    const { cache, writer } = setUp();
    await cache.start([{ flag: FLAG, environments: ['production'] }]);
    expect(cache.isEnabled(FLAG, 'production', 'group:ns-1')).toBe(false);

    await writer.apply(FLAG, 'production', { kind: 'actors', actors: ['group:ns-1'] });
    const elapsed = await waitUntil(() => cache.isEnabled(FLAG, 'production', 'group:ns-1'));
    expect(elapsed).toBeLessThan(1000);

    await writer.delete(FLAG, 'production');
    expect(await waitUntil(() => !cache.isEnabled(FLAG, 'production', 'group:ns-1'))).toBeLessThan(1000);
  });

  it('answers the percentage-of-actors gate exactly as isInPercentageOfActors', async () => {
    const { cache, writer } = setUp();
    await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 12.5 });
    await cache.start([{ flag: FLAG, environments: ['production'] }]);
    let enabled = 0;
    for (let i = 0; i < 20_000; i++) {
      const actor = `group:ns-${i}`;
      const expected = isInPercentageOfActors(FLAG, actor, 12.5);
      expect(cache.isEnabled(FLAG, 'production', actor)).toBe(expected);
      if (expected) enabled++;
    }
    expect(enabled / 20_000).toBeGreaterThan(0.11);
    expect(enabled / 20_000).toBeLessThan(0.14);
  });

  it('reloads everything after its subscriber reconnects, catching changes made while it was down', async () => {
    // A slow first retry leaves a window in which the subscriber is surely disconnected.
    const { cache, subscriber, writer } = setUp({ subscriber: { retryStrategy: () => 300 } });
    await cache.start([{ flag: FLAG, environments: ['staging', 'production'] }]);
    const closed = once(subscriber, 'close');
    await suite.redis.client('KILL', 'TYPE', 'pubsub');
    await closed;

    await writer.apply(FLAG, 'production', { kind: 'boolean', value: true });
    await writer.apply(FLAG, 'staging', { kind: 'actors', actors: ['user:alice'] });
    expect(subscriber.status).not.toBe('ready'); // so no notification of these can arrive
    expect(cache.isEnabled(FLAG, 'production')).toBe(false);

    await waitUntil(() => cache.isEnabled(FLAG, 'production') && cache.isEnabled(FLAG, 'staging', 'user:alice'));
    // And notifications flow again on the new connection.
    await writer.apply(FLAG, 'staging', { kind: 'remove-actors', actors: ['user:alice'] });
    expect(await waitUntil(() => !cache.isEnabled(FLAG, 'staging', 'user:alice'))).toBeLessThan(1000);
  });

  it('picks up a change written behind the store’s back with the periodic refresh', async () => {
    const { cache, writer } = setUp({ cache: { refreshIntervalMs: 200 } });
    await cache.start([{ flag: FLAG, environments: ['dev'] }]);
    await suite.redis.sadd(writer.featuresKey('dev'), FLAG);
    await suite.redis.hset(writer.featureKey(FLAG, 'dev'), 'boolean', 'true'); // no PUBLISH
    const elapsed = await waitUntil(() => cache.isEnabled(FLAG, 'dev'));
    expect(elapsed).toBeLessThan(1000);
  });

  it('keeps serving the previous gates until a reload lands, and coalesces a burst into few reads', async () => {
    let release: () => void = () => undefined;
    let held: Promise<void> | null = null;
    const { prefix, cache, writer } = setUp({
      get: async (real, flag, env) => {
        if (held) await held;
        return real(flag, env);
      },
    });
    await writer.apply(FLAG, 'production', { kind: 'boolean', value: true });
    await cache.start([{ flag: FLAG, environments: ['production'] }]);
    const reloadsBefore = cache.reloads;

    held = new Promise((resolve) => (release = resolve));
    await writer.apply(FLAG, 'production', { kind: 'boolean', value: false });
    const burst = suite.redis.pipeline();
    for (let i = 0; i < 100; i++) burst.publish(flagChangesChannel(prefix), `production\n${FLAG}`);
    await burst.exec();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cache.isEnabled(FLAG, 'production')).toBe(true); // the read is held: the old answer stands

    held = null;
    release();
    await waitUntil(() => !cache.isEnabled(FLAG, 'production'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One read held while all 101 notifications arrive, then one more for those that came during it.
    expect(cache.reloads - reloadsBefore).toBe(2);
  });

  it('never throws from isEnabled; counts a failed reload and recovers on the next refresh', async () => {
    let failing = false;
    const errors: unknown[] = [];
    const { cache, writer } = setUp({
      cache: { refreshIntervalMs: 100, onError: (err) => errors.push(err) },
      get: (real, flag, env) => (failing ? Promise.reject(new Error('Redis is down')) : real(flag, env)),
    });
    await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 100 });
    await cache.start([{ flag: FLAG, environments: ['production'] }]);

    failing = true;
    await writer.apply(FLAG, 'production', { kind: 'boolean', value: false });
    await waitUntil(() => cache.reloadErrors > 0);
    expect(cache.isEnabled(FLAG, 'production')).toBe(true); // previous gates, no throw
    expect(errors[0]).toEqual(new Error('Redis is down'));

    failing = false;
    await waitUntil(() => !cache.isEnabled(FLAG, 'production'));
  });

  it('rejects start when the first load fails, leaving no subscription behind', async () => {
    const { prefix, cache } = setUp({ get: () => Promise.reject(new Error('Redis is down')) });
    await expect(cache.start([{ flag: FLAG, environments: ['dev'] }])).rejects.toThrow(`could not load ${FLAG} in dev`);
    expect(await suite.redis.pubsub('NUMSUB', flagChangesChannel(prefix))).toEqual([flagChangesChannel(prefix), 0]);
  });

  it('unsubscribes on stop and bumps its version on every change it sees', async () => {
    const updates: string[] = [];
    const { prefix, cache, writer } = setUp({
      cache: { onUpdate: (flag, env, gates) => updates.push(`${env} ${flag} ${gates === null ? 'absent' : gates.boolean}`) },
    });
    await cache.start([{ flag: FLAG, environments: ['dev'] }]);
    const version = cache.version;
    expect(await suite.redis.pubsub('NUMSUB', flagChangesChannel(prefix))).toEqual([flagChangesChannel(prefix), 1]);

    await writer.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await waitUntil(() => cache.version === version + 1);
    expect(updates).toEqual([`dev ${FLAG} absent`, `dev ${FLAG} true`]);

    await cache.stop();
    expect(await suite.redis.pubsub('NUMSUB', flagChangesChannel(prefix))).toEqual([flagChangesChannel(prefix), 0]);
  });
});
