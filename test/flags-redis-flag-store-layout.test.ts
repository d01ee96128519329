// RedisFlagStore specifics on a real redis-server: the Flipper-style key layout, options, races and scripts.
import Redis from 'ioredis';
import { emptyGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisServer();

describe('RedisFlagStore in Redis', () => {
  it('uses the documented layout: a features set and a Flipper-style hash per environment', async () => {
    const store = new RedisFlagStore(suite.redis);
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['project:gitlab-org/gitlab', 'group:gitlab-org'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 10 });
    await store.apply(FLAG, 'production', { kind: 'boolean', value: true }, 'layout-1');
    expect(await suite.redis.hgetall(`flipper:production:feature:${FLAG}`)).toEqual({
      boolean: 'true',
      percentage_of_actors: '25',
      percentage_of_time: '10',
      'actors/project:gitlab-org/gitlab': '1',
      'actors/group:gitlab-org': '1',
    });
    expect(await suite.redis.smembers('flipper:production:features')).toEqual([FLAG]);
    expect(await suite.redis.exists(`flipper:dev:feature:${FLAG}`)).toBe(0);
    const ttl = await suite.redis.ttl('flipper:change:layout-1');
    expect(ttl).toBeGreaterThan(90 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(90 * 24 * 3600);

    // `false` leaves no hash but keeps set membership; restore null removes both.
    await store.apply(FLAG, 'production', { kind: 'boolean', value: false });
    expect(await suite.redis.exists(`flipper:production:feature:${FLAG}`)).toBe(0);
    expect(await suite.redis.sismember('flipper:production:features', FLAG)).toBe(1);
    await store.apply(FLAG, 'production', { kind: 'restore', gates: null });
    expect(await suite.redis.sismember('flipper:production:features', FLAG)).toBe(0);
  });

  it('honours the prefix and change-record TTL options', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'custom', changeRecordTtlSeconds: 60 });
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true }, 'ttl-1');
    expect(await suite.redis.hgetall(`custom:dev:feature:${FLAG}`)).toEqual({ boolean: 'true' });
    const ttl = await suite.redis.ttl('custom:change:ttl-1');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(() => new RedisFlagStore(suite.redis, { changeRecordTtlSeconds: 0 })).toThrow(/positive integer/);
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

  it('ignores hash fields it does not model and reports values it cannot read', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'foreign' });
    await suite.redis.sadd('foreign:dev:features', FLAG);
    await suite.redis.hset(`foreign:dev:feature:${FLAG}`, { 'groups/admins': '1', 'actors/user:alice': '1' });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ actors: ['user:alice'] }));
    await suite.redis.hset(`foreign:dev:feature:${FLAG}`, 'percentage_of_time', 'lots');
    await expect(store.get(FLAG, 'dev')).rejects.toThrow(
      `Redis hash foreign:dev:feature:${FLAG} field percentage_of_time holds "lots"; expected a percentage from 0 to 100`,
    );
  });
});
