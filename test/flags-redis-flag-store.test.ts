// The FlagStore contract, run against RedisFlagStore on a real redis-server and on a real Redis Cluster, and against MemoryFlagStore.
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import { applyChangeToGates, emptyGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import type { FlagStore } from '../flags/flag-store';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { MemoryFlagStore } from '../flags/memory-flag-store';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { useRedisCluster } from './support/redis-cluster';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisServer();
// The same contract on a real Redis Cluster: every key of a prefix with a hash tag is in one slot.
const clusterSuite = useRedisCluster();
let prefixCounter = 0;

/** Every flag name the tests below write; the fake has no listing, so its present flags are found among these. */
const FLAGS_USED = [FLAG, 'other_flag', 'a_flag', 'b_flag', 'c_flag', 'never_set'];

interface Subject {
  store: FlagStore;
  /** The flag names present in `env`, sorted. */
  flagsIn: (env: Environment) => Promise<string[]>;
}

function memorySubject(): Subject {
  const store = new MemoryFlagStore();
  const flagsIn = async (env: Environment): Promise<string[]> => {
    const present: string[] = [];
    for (const flag of FLAGS_USED) if ((await store.get(flag, env)) !== null) present.push(flag);
    return present.sort();
  };
  return { store, flagsIn };
}

function redisSubject(): Subject {
  // A fresh prefix per test keeps tests independent on the one shared server.
  const store = new RedisFlagStore(suite.redis, { prefix: `contract${++prefixCounter}` });
  // The features set, read through Redis directly: every flag present, not only the ones the tests name.
  const flagsIn = async (env: Environment): Promise<string[]> => (await suite.redis.smembers(store.featuresKey(env))).sort();
  return { store, flagsIn };
}

function clusterSubject(): Subject {
  const store = new RedisFlagStore(clusterSuite.redis, { prefix: `{contract${++prefixCounter}}` });
  const flagsIn = async (env: Environment): Promise<string[]> => (await clusterSuite.redis.smembers(store.featuresKey(env))).sort();
  return { store, flagsIn };
}

describe.each([
  ['MemoryFlagStore', memorySubject],
  ['RedisFlagStore', redisSubject],
  ['RedisFlagStore on Redis Cluster', clusterSubject],
])('%s', (_name, makeSubject) => {
  let store: FlagStore;
  let flagsIn: Subject['flagsIn'];
  beforeEach(() => {
    ({ store, flagsIn } = makeSubject());
  });

  /** Everything the store holds, for "nothing changed" checks. */
  async function dump(): Promise<Record<string, Record<string, FlagGates | null>>> {
    const result: Record<string, Record<string, FlagGates | null>> = {};
    for (const env of ENVIRONMENTS) {
      result[env] = {};
      for (const flag of await flagsIn(env)) result[env][flag] = await store.get(flag, env);
    }
    return result;
  }

  it('returns null for an absent flag, which is not present', async () => {
    expect(await store.get(FLAG, 'production')).toBeNull();
    expect(await flagsIn('production')).toEqual([]);
    expect(await store.changeRecord('never-used')).toBeNull();
  });

  it('sets the boolean gate with `true`', async () => {
    const result = await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    expect(result).toEqual({ previous: null, current: gates({ boolean: true }) });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ boolean: true }));
    expect(await flagsIn('dev')).toEqual([FLAG]);
  });

  it('clears every gate with `false` but keeps the flag present', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 10 });
    const before = await store.apply(FLAG, 'production', { kind: 'boolean', value: true });
    const result = await store.apply(FLAG, 'production', { kind: 'boolean', value: false });
    expect(result).toEqual({ previous: before.current, current: emptyGates() });
    expect(await store.get(FLAG, 'production')).toEqual(emptyGates());
    expect(await flagsIn('production')).toEqual([FLAG]);
  });

  it('makes an absent flag present with no gates on `false`', async () => {
    expect(await store.apply(FLAG, 'staging', { kind: 'boolean', value: false })).toEqual({
      previous: null,
      current: emptyGates(),
    });
    expect(await flagsIn('staging')).toEqual([FLAG]);
  });

  it('adds actors as a set union, sorted', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:bob', 'group:gitlab-org'] });
    const result = await store.apply(FLAG, 'production', {
      kind: 'actors',
      actors: ['group:gitlab-org', 'project:gitlab-org/gitlab', 'project:gitlab-org/gitlab'],
    });
    expect(result.previous).toEqual(gates({ actors: ['group:gitlab-org', 'user:bob'] }));
    expect(result.current).toEqual(gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab', 'user:bob'] }));
    expect(await store.get(FLAG, 'production')).toEqual(result.current);
  });

  it('removes only the named actors and keeps the other gates', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:bob', 'group:gitlab-org', 'user:carol'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 5 });
    const result = await store.apply(FLAG, 'production', { kind: 'remove-actors', actors: ['user:bob', 'user:nobody'] });
    expect(result.current).toEqual(gates({ actors: ['group:gitlab-org', 'user:carol'], percentageOfTime: 5 }));
    expect(await store.get(FLAG, 'production')).toEqual(result.current);
  });

  it('sets percentages, fractions and the 0 and 100 ends included, alongside other gates', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 0.5 });
    const ramp = await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    expect(ramp.previous).toEqual(gates({ actors: ['user:alice'], percentageOfActors: 0.5 }));
    expect(ramp.current).toEqual(gates({ actors: ['user:alice'], percentageOfActors: 25 }));
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 0 });
    expect(await store.get(FLAG, 'production')).toEqual(
      gates({ actors: ['user:alice'], percentageOfActors: 25, percentageOfTime: 0 }),
    );
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 100 });
    expect((await store.get(FLAG, 'production'))?.percentageOfTime).toBe(100);
  });

  it("accepts GitLab's flipper ids and the namespace and repository actors beside the path forms", async () => {
    const actors = ['Project:278964', 'Group:9970', 'User:1', 'Namespace:9970', 'Repository:@hashed/ab/cd/abcd.git', 'namespace:gitlab-org', 'repository:gitlab-org/gitlab.git', 'project:gitlab-org/gitlab'];
    const result = await store.apply(FLAG, 'production', { kind: 'actors', actors });
    expect(result.current).toEqual(gates({ actors: [...actors].sort() }));
    expect(await store.get(FLAG, 'production')).toEqual(result.current);
    const removed = await store.apply(FLAG, 'production', { kind: 'remove-actors', actors: ['Project:278964', 'project:gitlab-org/gitlab'] });
    expect(removed.current?.actors).toEqual(['Group:9970', 'Namespace:9970', 'Repository:@hashed/ab/cd/abcd.git', 'User:1', 'namespace:gitlab-org', 'repository:gitlab-org/gitlab.git']);
  });

  it('adds and removes feature group gates beside the other gates; `false` clears them too', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] });
    const added = await store.apply(FLAG, 'production', { kind: 'groups', groups: ['gitlab_team_members', 'beta_testers', 'gitlab_team_members'] });
    expect(added).toEqual({
      previous: gates({ actors: ['user:alice'] }),
      current: gates({ actors: ['user:alice'], groups: ['beta_testers', 'gitlab_team_members'] }),
    });
    expect(await store.get(FLAG, 'production')).toEqual(added.current);
    const removed = await store.apply(FLAG, 'production', { kind: 'remove-groups', groups: ['beta_testers', 'never_added'] });
    expect(removed.current).toEqual(gates({ actors: ['user:alice'], groups: ['gitlab_team_members'] }));
    expect((await store.apply(FLAG, 'production', { kind: 'boolean', value: false })).current).toEqual(emptyGates());
  });

  it('restores gates recorded before the group gate existed (no groups field) as having no groups', async () => {
    await store.apply(FLAG, 'production', { kind: 'groups', groups: ['gitlab_team_members'] });
    const recorded = { boolean: null, actors: ['user:early-adopter'], percentageOfActors: null, percentageOfTime: 3 } as unknown as FlagGates;
    const result = await store.apply(FLAG, 'production', { kind: 'restore', gates: recorded }, 'old-history-restore');
    expect(result.current).toEqual(gates({ actors: ['user:early-adopter'], percentageOfTime: 3 }));
    expect(await store.get(FLAG, 'production')).toEqual(result.current);
    // A retry of that restore sends the same recorded gates, and is recognised as the same change.
    expect(await store.apply(FLAG, 'production', { kind: 'restore', gates: recorded }, 'old-history-restore')).toEqual(result);
    expect(await store.apply(FLAG, 'production', { kind: 'restore', gates: { ...recorded, groups: [] } }, 'old-history-restore')).toEqual(result);
  });

  it('restores actors and groups it would not write itself, as read from the store', async () => {
    const read = gates({ actors: ['Ci::Runner:5', 'User;25'], groups: ['Admins'] });
    const result = await store.apply(FLAG, 'production', { kind: 'restore', gates: read });
    expect(result.current).toEqual(read);
    expect(await store.get(FLAG, 'production')).toEqual(read);
  });

  it('restores exactly the given gates, dropping actors that were added since', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice', 'user:bob'] });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 50 });
    const before = await store.apply(FLAG, 'production', { kind: 'boolean', value: true });
    const target = gates({ actors: ['user:carol', 'user:alice'], percentageOfTime: 5 });
    const result = await store.apply(FLAG, 'production', { kind: 'restore', gates: target });
    const expected = gates({ actors: ['user:alice', 'user:carol'], percentageOfTime: 5 });
    expect(result).toEqual({ previous: before.current, current: expected });
    expect(await store.get(FLAG, 'production')).toEqual(expected);
  });

  it('deletes the flag when restoring null', async () => {
    const before = await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] });
    const result = await store.apply(FLAG, 'production', { kind: 'restore', gates: null });
    expect(result).toEqual({ previous: before.current, current: null });
    expect(await store.get(FLAG, 'production')).toBeNull();
    expect(await flagsIn('production')).toEqual([]);
  });

  it('applies a change id once: a retry changes nothing and returns the first result', async () => {
    const change: FlagChange = { kind: 'actors', actors: ['project:gitlab-org/gitlab'] };
    const first = await store.apply(FLAG, 'production', change, 'run-1/actors');
    expect(first).toEqual({ previous: null, current: gates({ actors: ['project:gitlab-org/gitlab'] }) });
    // Someone changes the flag by hand between the first attempt and the retry.
    await store.apply(FLAG, 'production', { kind: 'restore', gates: gates({ percentageOfTime: 1 }) });
    const retry = await store.apply(FLAG, 'production', change, 'run-1/actors');
    expect(retry).toEqual(first);
    expect(await store.get(FLAG, 'production')).toEqual(gates({ percentageOfTime: 1 }));
    expect(await store.changeRecord('run-1/actors')).toEqual(first);
  });

  it('refuses a change id reused for another flag, environment or change, changing nothing', async () => {
    await store.apply(FLAG, 'production', { kind: 'boolean', value: true }, 'run-1/global');
    const before = await dump();
    await expect(store.apply('other_flag', 'production', { kind: 'boolean', value: true }, 'run-1/global')).rejects.toThrow(
      /Change id "run-1\/global" was already used .* on flag route_hll_to_snowplow_phase3 in production/,
    );
    await expect(store.apply(FLAG, 'dev', { kind: 'boolean', value: true }, 'run-1/global')).rejects.toThrow(InvalidFlagInput);
    await expect(store.apply(FLAG, 'production', { kind: 'boolean', value: false }, 'run-1/global')).rejects.toThrow(
      /give every change its own id/,
    );
    expect(await dump()).toEqual(before);
  });

  it('keeps environments independent', async () => {
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await store.apply(FLAG, 'staging', { kind: 'actors', actors: ['user:alice'] });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ boolean: true }));
    expect(await store.get(FLAG, 'staging')).toEqual(gates({ actors: ['user:alice'] }));
    expect(await store.get(FLAG, 'production')).toBeNull();
    await store.delete(FLAG, 'dev');
    expect(await store.get(FLAG, 'dev')).toBeNull();
    expect(await store.get(FLAG, 'staging')).toEqual(gates({ actors: ['user:alice'] }));
    expect(await flagsIn('staging-ref')).toEqual([]);
  });

  it.each<[string, string, Environment, FlagChange, RegExp]>([
    ['an unknown environment', FLAG, 'prod' as Environment, { kind: 'boolean', value: true }, /Unknown environment "prod": expected one of dev, staging, staging-ref, production/],
    ['a bad flag name', 'my flag', 'dev', { kind: 'boolean', value: true }, /Invalid flag name "my flag": a flag name is lowercase letters, digits and "_", starts with a letter/],
    ['a flag name with capitals', 'Route_HLL', 'dev', { kind: 'boolean', value: true }, /Invalid flag name "Route_HLL": a flag name is lowercase letters/],
    ['a flag name with a dot', 'route.hll', 'dev', { kind: 'boolean', value: true }, /Invalid flag name "route\.hll": a flag name is lowercase/],
    ['a flag name over 100 characters', 'a'.repeat(101), 'dev', { kind: 'boolean', value: true }, /Invalid flag name "a{101}": .*at most 100 characters/],
    ['an actor id of a class the Features API does not take', FLAG, 'dev', { kind: 'actors', actors: ['user:alice', 'Ci::Runner:5'] }, /Invalid actor id "Ci::Runner:5".*project, group, user, namespace, repository/],
    ['a GitLab actor id that is not a record id', FLAG, 'dev', { kind: 'actors', actors: ['Project:gitlab-org/gitlab'] }, /after "Project:" GitLab's flipper_id has a positive integer record id/],
    ['a path with ".."', FLAG, 'dev', { kind: 'actors', actors: ['group:../x'] }, /Invalid actor id "group:..\/x"/],
    ['a bad feature group', FLAG, 'dev', { kind: 'groups', groups: ['Team Members'] }, /Invalid feature group "Team Members": a feature group name is lowercase letters/],
    ['groups that are not a list', FLAG, 'dev', { kind: 'remove-groups', groups: 'admins' as unknown as string[] }, /Invalid remove-groups change: groups must be an array/],
    ['restore with duplicate groups', FLAG, 'dev', { kind: 'restore', gates: gates({ groups: ['admins', 'admins'] }) }, /groups \["admins","admins"\] contain duplicates/],
    ['restore with an empty actor', FLAG, 'dev', { kind: 'restore', gates: gates({ actors: [''] }) }, /Invalid restore gates: actors hold ""; expected non-empty strings/],
    ['a project without a namespace', FLAG, 'dev', { kind: 'actors', actors: ['project:gitlab'] }, /project name must be a path/],
    ['actors that are not a list', FLAG, 'dev', { kind: 'actors', actors: 'user:alice' as unknown as string[] }, /actors must be an array/],
    ['a percentage over 100', FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfActors', value: 101 }, /Invalid percentageOfActors percentage 101: expected a finite number from 0 to 100/],
    ['a negative percentage', FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfTime', value: -1 }, /percentageOfTime percentage -1: expected a finite number from 0 to 100/],
    ['a NaN percentage', FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfTime', value: NaN }, /percentage NaN: expected a finite number/],
    ['an infinite percentage', FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfTime', value: Infinity }, /percentage Infinity: expected a finite number/],
    ['a percentage given as text', FLAG, 'dev', { kind: 'percentage', gate: 'percentageOfTime', value: '25' as unknown as number }, /percentage "25": expected a finite number/],
    ['an unknown percentage gate', FLAG, 'dev', { kind: 'percentage', gate: 'random' as 'percentageOfTime', value: 5 }, /Invalid percentage gate "random": expected percentageOfActors or percentageOfTime/],
    ['a non-boolean boolean', FLAG, 'dev', { kind: 'boolean', value: 'true' as unknown as boolean }, /Invalid boolean change value "true": expected true or false/],
    ['an unknown change kind', FLAG, 'dev', { kind: 'toggle' } as unknown as FlagChange, /Invalid flag change kind "toggle": expected one of boolean, actors, remove-actors, groups, remove-groups, percentage, restore/],
    ['restore with boolean false', FLAG, 'dev', { kind: 'restore', gates: gates({ boolean: false }) }, /restore gate boolean false: expected true or null/],
    ['restore with duplicate actors', FLAG, 'dev', { kind: 'restore', gates: gates({ actors: ['user:a', 'user:a'] }) }, /contain duplicates/],
    ['restore with a bad percentage', FLAG, 'dev', { kind: 'restore', gates: gates({ percentageOfTime: 200 }) }, /restore percentageOfTime 200/],
  ])('rejects %s with a clear error and changes nothing', async (_what, flag, env, change, message) => {
    await store.apply(FLAG, 'dev', { kind: 'actors', actors: ['user:alice'] });
    const before = await dump();
    const attempt = store.apply(flag, env, change, 'bad-change');
    await expect(attempt).rejects.toThrow(InvalidFlagInput);
    await expect(store.apply(flag, env, change)).rejects.toThrow(message);
    expect(await dump()).toEqual(before);
    expect(await store.changeRecord('bad-change')).toBeNull();
  });

  it('rejects an unknown environment or a bad flag name on reads too', async () => {
    await expect(store.get(FLAG, 'qa' as Environment)).rejects.toThrow(/Unknown environment "qa"/);
    await expect(store.get('Route.HLL', 'production')).rejects.toThrow(/Invalid flag name "Route.HLL": a flag name is lowercase/);
    await expect(store.delete(FLAG, 'qa' as Environment)).rejects.toThrow(InvalidFlagInput);
  });

  it('delete removes one flag and is a no-op when absent', async () => {
    for (const flag of ['c_flag', 'a_flag', 'b_flag']) await store.apply(flag, 'production', { kind: 'boolean', value: true });
    expect(await flagsIn('production')).toEqual(['a_flag', 'b_flag', 'c_flag']);
    await store.delete('b_flag', 'production');
    await store.delete('never_set', 'production');
    expect(await flagsIn('production')).toEqual(['a_flag', 'c_flag']);
    expect(await store.get('b_flag', 'production')).toBeNull();
  });

  it('returns for every change what applyChangeToGates computes, and get() agrees', async () => {
    const changes: FlagChange[] = [
      { kind: 'actors', actors: ['user:bob', 'group:gitlab-com'] },
      { kind: 'percentage', gate: 'percentageOfActors', value: 1 },
      { kind: 'percentage', gate: 'percentageOfTime', value: 33.3 },
      { kind: 'boolean', value: true },
      { kind: 'actors', actors: ['user:alice'] },
      { kind: 'boolean', value: false },
      { kind: 'groups', groups: ['gitlab_team_members'] },
      { kind: 'restore', gates: gates({ boolean: true, actors: ['user:zed'], groups: ['b_group', 'a_group'], percentageOfActors: 75 }) },
      { kind: 'remove-groups', groups: ['a_group'] },
      { kind: 'restore', gates: null },
      { kind: 'percentage', gate: 'percentageOfActors', value: 10 },
    ];
    let expected: FlagGates | null = null;
    for (const change of changes) {
      const result = await store.apply(FLAG, 'production', change);
      expect(result.previous).toEqual(expected);
      expected = applyChangeToGates(expected, change);
      expect(result.current).toEqual(expected);
      expect(await store.get(FLAG, 'production')).toEqual(expected);
    }
  });

  it('hands out copies: mutating a result does not change the store', async () => {
    const result = await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:alice'] }, 'copy-1');
    result.current?.actors.push('user:mallory');
    (await store.get(FLAG, 'production'))?.actors.push('user:mallory');
    expect(await store.get(FLAG, 'production')).toEqual(gates({ actors: ['user:alice'] }));
    expect((await store.changeRecord('copy-1'))?.current).toEqual(gates({ actors: ['user:alice'] }));
  });
});
