// RedisFlagStore specifics on a real redis-server: Flipper's key layout, options, races, scripts and foreign fields.
import Redis from 'ioredis';
import { emptyGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisServer();

describe('RedisFlagStore in Redis', () => {
  it("uses Flipper's Redis adapter layout under the key_prefix <prefix>:<env>:", async () => {
    const store = new RedisFlagStore(suite.redis);
    expect(store.keyPrefix('production')).toBe('flipper:production:');
    expect(store.featuresKey('production')).toBe('flipper:production:flipper_features');
    expect(store.featureKey(FLAG, 'production')).toBe(`flipper:production:${FLAG}`);
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['project:gitlab-org/gitlab', 'Group:9970'] });
    await store.apply(FLAG, 'production', { kind: 'groups', groups: ['gitlab_team_members'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 0.5 });
    await store.apply(FLAG, 'production', { kind: 'boolean', value: true }, 'layout-1');
    expect(await suite.redis.hgetall(`flipper:production:${FLAG}`)).toEqual({
      boolean: 'true',
      percentage_of_actors: '25',
      percentage_of_time: '0.5',
      'actors/project:gitlab-org/gitlab': '1',
      'actors/Group:9970': '1',
      'groups/gitlab_team_members': '1',
    });
    expect(await suite.redis.smembers('flipper:production:flipper_features')).toEqual([FLAG]);
    expect(await suite.redis.exists(`flipper:dev:${FLAG}`)).toBe(0);
    // Nothing in the old layout.
    expect(await suite.redis.keys('flipper:*:feature*')).toEqual([]);
    const ttl = await suite.redis.ttl('flipper:change:layout-1');
    expect(ttl).toBeGreaterThan(90 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(90 * 24 * 3600);

    // `false` is Flipper's disable: no hash, still a known feature; restore null removes both.
    await store.apply(FLAG, 'production', { kind: 'boolean', value: false });
    expect(await suite.redis.exists(`flipper:production:${FLAG}`)).toBe(0);
    expect(await suite.redis.sismember('flipper:production:flipper_features', FLAG)).toBe(1);
    await store.apply(FLAG, 'production', { kind: 'restore', gates: null });
    expect(await suite.redis.sismember('flipper:production:flipper_features', FLAG)).toBe(0);
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await store.delete(FLAG, 'dev');
    expect(await suite.redis.exists(`flipper:dev:${FLAG}`, 'flipper:dev:flipper_features')).toBe(0);
  });

  it('honours the prefix and change-record TTL options', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'custom', changeRecordTtlSeconds: 60 });
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true }, 'ttl-1');
    expect(await suite.redis.hgetall(`custom:dev:${FLAG}`)).toEqual({ boolean: 'true' });
    expect(await suite.redis.smembers('custom:dev:flipper_features')).toEqual([FLAG]);
    const ttl = await suite.redis.ttl('custom:change:ttl-1');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(() => new RedisFlagStore(suite.redis, { changeRecordTtlSeconds: 0 })).toThrow(/positive integer/);
    expect(() => new RedisFlagStore(suite.redis, { prefix: '' })).toThrow(/prefix must be a non-empty string/);
  });

  it('refuses the flag name flipper_features, the key of the set of flag names', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'reserved' });
    await expect(store.apply('flipper_features', 'dev', { kind: 'boolean', value: true })).rejects.toThrow(InvalidFlagInput);
    await expect(store.get('flipper_features', 'dev')).rejects.toThrow(/Invalid flag name "flipper_features": in Flipper's Redis layout that is the key of the set of flag names/);
    await expect(store.delete('flipper_features', 'dev')).rejects.toThrow(InvalidFlagInput);
    expect(await suite.redis.keys('reserved:*')).toEqual([]);
  });

  it('loses no update when writers race on the same flag', async () => {
    const other = new Redis(suite.url);
    try {
      const first = new RedisFlagStore(suite.redis, { prefix: 'race' });
      const second = new RedisFlagStore(other, { prefix: 'race' });
      const actors = Array.from({ length: 30 }, (_, n) => `user:u${n}`);
      await Promise.all(
        actors.map((actor, n) => (n % 2 === 0 ? first : second).apply(FLAG, 'production', { kind: 'actors', actors: [actor] })),
      );
      expect((await first.get(FLAG, 'production'))?.actors).toEqual([...actors].sort());
    } finally {
      await other.quit();
    }
  });

  it('applies a change id once even when retries race', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'race-id' });
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] });
    const change: FlagChange = { kind: 'actors', actors: ['user:bob'] };
    const results = await Promise.all(Array.from({ length: 10 }, () => store.apply(FLAG, 'production', change, 'same')));
    for (const result of results) {
      expect(result).toEqual({ previous: gates({ actors: ['user:alice'] }), current: gates({ actors: ['user:alice', 'user:bob'] }) });
    }
  });

  it('reloads its script after SCRIPT FLUSH', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'flush' });
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await suite.redis.script('FLUSH');
    await store.apply(FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfTime', value: 5 });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ boolean: true, percentageOfTime: 5 }));
  });

  it('keeps hash fields it does not model through its writes, unless the change clears the flag', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'foreign' });
    // As a Ruby app with Flipper 1.x would leave it: an expression gate, which FlagGates does not model.
    await suite.redis.sadd('foreign:dev:flipper_features', FLAG);
    await suite.redis.hset(`foreign:dev:${FLAG}`, { expression: '{"Equal":[{"Property":["plan"]},"basic"]}', 'actors/user:alice': '1' });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ actors: ['user:alice'] }));
    const result = await store.apply(FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfActors', value: 10 });
    expect(result.current).toEqual(gates({ actors: ['user:alice'], percentageOfActors: 10 }));
    expect(await suite.redis.hget(`foreign:dev:${FLAG}`, 'expression')).toBe('{"Equal":[{"Property":["plan"]},"basic"]}');
    await store.apply(FLAG, 'dev', { kind: 'restore', gates: gates({ boolean: true }) });
    expect(await suite.redis.hgetall(`foreign:dev:${FLAG}`)).toEqual({ boolean: 'true', expression: '{"Equal":[{"Property":["plan"]},"basic"]}' });
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: false });
    expect(await suite.redis.exists(`foreign:dev:${FLAG}`)).toBe(0);
  });

  it('reports values it cannot read', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'foreign2' });
    await suite.redis.sadd('foreign2:dev:flipper_features', FLAG);
    await suite.redis.hset(`foreign2:dev:${FLAG}`, 'percentage_of_time', 'lots');
    await expect(store.get(FLAG, 'dev')).rejects.toThrow(
      `Redis hash foreign2:dev:${FLAG} field percentage_of_time holds "lots"; expected a percentage from 0 to 100`,
    );
  });
});
