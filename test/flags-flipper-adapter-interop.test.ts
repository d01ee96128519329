// A Ruby app with Flipper's Redis adapter and key_prefix "flipper:<env>:" sees the store's flags, and the store sees
// the app's: the Ruby side is mirrored command for command (raw SMEMBERS/HGETALL/HSET/HDEL/DEL on the documented keys).
import type Redis from 'ioredis';
import { ENVIRONMENTS } from '../flags/environments';
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisServer();

/**
 * What `Flipper::Adapters::Redis.new(client, key_prefix: prefix)` does (lib/flipper/adapters/redis.rb, Flipper 1.x):
 * features_key is "#{key_prefix}flipper_features", key_for(name) is "#{key_prefix}#{name}"; get reads the hash and
 * takes boolean and integer gates from the field named by the gate key and set gates from the fields "<key>/<value>".
 */
class RubyFlipperRedisAdapter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  features(): Promise<string[]> {
    return this.redis.smembers(`${this.keyPrefix}flipper_features`);
  }

  /** Adapter#get: gate key => value, as Flipper's gates read them. */
  async get(feature: string): Promise<Record<string, string | null | Set<string>>> {
    const doc = await this.redis.hgetall(`${this.keyPrefix}${feature}`);
    const set = (gate: string) => new Set(Object.keys(doc).filter((field) => field.startsWith(`${gate}/`)).map((field) => field.split('/').slice(1).join('/')));
    return {
      boolean: doc.boolean ?? null,
      actors: set('actors'),
      groups: set('groups'),
      percentage_of_actors: doc.percentage_of_actors ?? null,
      percentage_of_time: doc.percentage_of_time ?? null,
    };
  }

  /** Flipper.enable(feature) etc.: Feature#enable adds the feature, then the adapter writes the gate. */
  async enable(feature: string, gate: 'boolean' | 'actors' | 'groups' | 'percentage_of_actors' | 'percentage_of_time', value: string): Promise<void> {
    const key = `${this.keyPrefix}${feature}`;
    await this.redis.sadd(`${this.keyPrefix}flipper_features`, feature);
    if (gate === 'boolean') {
      await this.redis.del(key); // clear(feature)
      await this.redis.hset(key, 'boolean', value);
    } else if (gate === 'actors' || gate === 'groups') await this.redis.hset(key, `${gate}/${value}`, 1);
    else await this.redis.hset(key, gate, value);
  }

  async disable(feature: string, gate: 'boolean' | 'actors' | 'groups', value: string): Promise<void> {
    const key = `${this.keyPrefix}${feature}`;
    await this.redis.sadd(`${this.keyPrefix}flipper_features`, feature);
    if (gate === 'boolean') await this.redis.del(key);
    else await this.redis.hdel(key, `${gate}/${value}`);
  }

  /** Flipper's Typecast.to_percentage: an integer when whole, else a float. */
  static percentage(value: string | null | Set<string>): number | null {
    return typeof value === 'string' ? Number.parseFloat(value) : null;
  }
}

describe("Flipper's Redis adapter reading and writing the store's layout", () => {
  it('reads every gate the store writes, per environment, under the documented keys', async () => {
    const store = new RedisFlagStore(suite.redis); // FLAG_KEY_PREFIX's default, "flipper"
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['Project:278964', 'Group:9970', 'project:gitlab-org/gitlab'] });
    await store.apply(FLAG, 'production', { kind: 'groups', groups: ['gitlab_team_members'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 0.5 });
    await store.apply(FLAG, 'staging', { kind: 'boolean', value: true });
    await store.apply('other_flag', 'staging', { kind: 'boolean', value: false });

    const production = new RubyFlipperRedisAdapter(suite.redis, 'flipper:production:');
    expect(await production.features()).toEqual([FLAG]);
    const values = await production.get(FLAG);
    expect(values).toEqual({
      boolean: null,
      actors: new Set(['Project:278964', 'Group:9970', 'project:gitlab-org/gitlab']),
      groups: new Set(['gitlab_team_members']),
      percentage_of_actors: '25',
      percentage_of_time: '0.5',
    });
    expect(RubyFlipperRedisAdapter.percentage(values.percentage_of_actors ?? null)).toBe(25);
    expect(RubyFlipperRedisAdapter.percentage(values.percentage_of_time ?? null)).toBe(0.5);

    const staging = new RubyFlipperRedisAdapter(suite.redis, 'flipper:staging:');
    expect((await staging.features()).sort()).toEqual(['other_flag', FLAG]);
    expect((await staging.get(FLAG)).boolean).toBe('true');
    expect(await staging.get('other_flag')).toEqual({ boolean: null, actors: new Set(), groups: new Set(), percentage_of_actors: null, percentage_of_time: null });
    for (const env of ENVIRONMENTS.filter((e) => e !== 'production' && e !== 'staging')) {
      expect(await new RubyFlipperRedisAdapter(suite.redis, `flipper:${env}:`).features()).toEqual([]);
    }
  });

  it('reads what the Ruby adapter writes, gate by gate, and writes hashes the adapter reads back', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'ruby' });
    const app = new RubyFlipperRedisAdapter(suite.redis, 'ruby:production:');
    await app.enable(FLAG, 'actors', 'User:1');
    await app.enable(FLAG, 'actors', 'Project:278964');
    await app.enable(FLAG, 'groups', 'gitlab_team_members');
    await app.enable(FLAG, 'percentage_of_actors', '10');
    expect(await store.get(FLAG, 'production')).toEqual(
      gates({ actors: ['Project:278964', 'User:1'], groups: ['gitlab_team_members'], percentageOfActors: 10 }),
    );
    await app.disable(FLAG, 'groups', 'gitlab_team_members');
    await app.disable(FLAG, 'actors', 'User:1');
    expect(await store.get(FLAG, 'production')).toEqual(gates({ actors: ['Project:278964'], percentageOfActors: 10 }));
    await app.enable(FLAG, 'boolean', 'true'); // Flipper clears the other gates first
    expect(await store.get(FLAG, 'production')).toEqual(gates({ boolean: true }));
    await app.disable(FLAG, 'boolean', 'false');
    expect(await store.get(FLAG, 'production')).toEqual(emptyGates());

    // And the store's change on top of the app's leaves a hash the app reads back.
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['Namespace:9970'] });
    expect((await app.get(FLAG)).actors).toEqual(new Set(['Namespace:9970']));
  });
});
