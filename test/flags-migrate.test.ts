// `rollout flags migrate` on a real redis-server: moves the old layout to Flipper's, idempotently, refusing to
// overwrite a differing flag without --force, announcing every move; --dry-run changes nothing.
import Redis from 'ioredis';
import { EXIT_CODES } from '../client/cli-errors';
import { loadConfig } from '../config/load-config';
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import type { FlagMigrationResult } from '../flags/flag-layout-migration';
import { RedisFlagStore, flagChangesChannel } from '../flags/redis-flag-store';
import { cliRunner } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });

const suite = useRedisServer();
let prefixCounter = 0;

/** A prefix of its own per test, and the CLI configured with it. */
function setUp() {
  const prefix = `mig${++prefixCounter}`;
  const cli = cliRunner(loadConfig({ REDIS_URL: suite.url, FLAG_KEY_PREFIX: prefix }));
  const store = new RedisFlagStore(suite.redis, { prefix });
  /** Writes a flag as the store wrote it before Flipper's layout: a features set and a `feature:<flag>` hash. */
  const writeOld = async (env: string, flag: string, fields: Record<string, string>) => {
    await suite.redis.sadd(`${prefix}:${env}:features`, flag);
    await suite.redis.del(`${prefix}:${env}:feature:${flag}`);
    if (Object.keys(fields).length > 0) await suite.redis.hset(`${prefix}:${env}:feature:${flag}`, fields);
  };
  const keys = async () => (await suite.redis.keys(`${prefix}:*`)).sort();
  const dump = async () => {
    const out: Record<string, unknown> = {};
    for (const key of await keys()) {
      const type = await suite.redis.type(key);
      out[key] = type === 'set' ? (await suite.redis.smembers(key)).sort() : await suite.redis.hgetall(key);
    }
    return out;
  };
  return { prefix, cli, store, writeOld, keys, dump };
}

const PRODUCTION_FIELDS = { 'actors/project:gitlab-org/gitlab': '1', 'actors/group:gitlab-org': '1', percentage_of_actors: '25' };

describe('rollout flags migrate', () => {
  it('moves every environment, reports it, announces each move, and finds nothing to do the second time', async () => {
    const { prefix, cli, store, writeOld, keys, dump } = setUp();
    await writeOld('production', FLAG, PRODUCTION_FIELDS);
    await writeOld('staging', FLAG, { boolean: 'true' });
    await writeOld('dev', 'other_flag', {}); // present with no gates (after `feature set other_flag false`)
    await writeOld('staging', 'features', { boolean: 'true' }); // its new key is the old set's key
    const before = await dump();

    const dry = await cli('flags', 'migrate', '--dry-run');
    expect(dry).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
    expect(dry.stdout).toContain('Dry run: nothing changes.');
    expect(dry.stdout).toContain(`production ${FLAG}: would move (25% of actors`);
    expect(dry.stdout).toContain('Would move 4 flag(s)');
    expect(await dump()).toEqual(before);

    const subscriber = new Redis(suite.url);
    const messages: string[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
      await subscriber.subscribe(flagChangesChannel(prefix));
      const run = await cli('flags', 'migrate');
      expect(run).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
      expect(run.stdout).toContain(`production ${FLAG}: moved (25% of actors; actors: group:gitlab-org, project:gitlab-org/gitlab)`);
      expect(run.stdout).toContain('staging features: moved (on)');
      expect(run.stdout).toContain('Moved 4 flag(s) (0 replacing others), 0 already moved, 0 conflict(s), 0 blocked.');
      expect(run.stdout).toContain(`Flipper::Adapters::Redis.new(redis, key_prefix: "${prefix}:<env>:")`);
      await pollUntil(() => messages.length, (n) => n === 4, { what: 'four change messages' });
      expect(messages.sort()).toEqual(['dev\nother_flag', `production\n${FLAG}`, 'staging\nfeatures', `staging\n${FLAG}`]);
    } finally {
      await subscriber.quit();
    }

    expect(await keys()).toEqual(
      [
        `${prefix}:dev:flipper_features`,
        `${prefix}:production:${FLAG}`,
        `${prefix}:production:flipper_features`,
        `${prefix}:staging:${FLAG}`,
        `${prefix}:staging:features`, // the flag `features`, now a hash
        `${prefix}:staging:flipper_features`,
      ].sort(),
    );
    expect(await suite.redis.hgetall(`${prefix}:production:${FLAG}`)).toEqual(PRODUCTION_FIELDS);
    expect(await store.get(FLAG, 'production')).toEqual(gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab'], percentageOfActors: 25 }));
    expect(await store.get(FLAG, 'staging')).toEqual(gates({ boolean: true }));
    expect(await store.get('features', 'staging')).toEqual(gates({ boolean: true }));
    expect(await store.get('other_flag', 'dev')).toEqual(emptyGates());
    expect(await store.get(FLAG, 'dev')).toBeNull();

    const again = await cli('flags', 'migrate');
    expect(again).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
    expect(again.stdout).toContain('Nothing to move: the old layout holds no flags.');
    const json = await cli('flags', 'migrate', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ dryRun: false, prefix, entries: [], left: { dev: 0, staging: 0, 'staging-ref': 0, production: 0 } });
  });

  it('refuses to overwrite a flag the new layout holds with other gates, changing nothing, until --force', async () => {
    const { cli, store, writeOld, dump } = setUp();
    await store.apply(FLAG, 'production', { kind: 'boolean', value: true }); // written by the new code meanwhile
    await store.apply('other_flag', 'production', { kind: 'actors', actors: ['user:alice'] });
    await writeOld('production', FLAG, PRODUCTION_FIELDS);
    await writeOld('production', 'other_flag', { 'actors/user:alice': '1' }); // the same in both layouts
    const before = await dump();

    const refused = await cli('flags', 'migrate', '--dry-run', '--json');
    expect(refused.code).toBe(EXIT_CODES.refused);
    const result = JSON.parse(refused.stdout) as FlagMigrationResult;
    expect(result.entries).toEqual([
      {
        env: 'production',
        flag: 'other_flag',
        outcome: 'already-moved',
        gates: gates({ actors: ['user:alice'] }),
        found: gates({ actors: ['user:alice'] }),
      },
      {
        env: 'production',
        flag: FLAG,
        outcome: 'conflict',
        gates: gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab'], percentageOfActors: 25 }),
        found: gates({ boolean: true }),
        reason: expect.stringContaining(`:production:${FLAG} already holds other gates`) as unknown as string,
      },
    ]);
    expect(await dump()).toEqual(before);

    const run = await cli('flags', 'migrate');
    expect(run.code).toBe(EXIT_CODES.refused);
    expect(run.stdout).toContain(`production ${FLAG}: conflict (25% of actors; actors: group:gitlab-org, project:gitlab-org/gitlab); the new layout holds: on`);
    expect(run.stdout).toContain('production other_flag: already in the new layout; removed the old copy');
    expect(run.stdout).toContain('Still in the old layout: 1 in production.');
    expect(run.stderr).toContain(`error: 1 flag(s) not migrated: ${FLAG} in production (--force replaces what the new layout holds)`);
    expect(await store.get(FLAG, 'production')).toEqual(gates({ boolean: true }));

    const forced = await cli('flags', 'migrate', '--force');
    expect(forced).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
    expect(forced.stdout).toContain(`production ${FLAG}: replaced what the new layout held`);
    expect(await store.get(FLAG, 'production')).toEqual(gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab'], percentageOfActors: 25 }));
    expect(await store.get('other_flag', 'production')).toEqual(gates({ actors: ['user:alice'] }));
  });

  it('moves the flag `features` only once the old set lists nothing else', async () => {
    const { prefix, cli, store, writeOld } = setUp();
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await writeOld('dev', FLAG, { percentage_of_time: '5' }); // a conflict keeps FLAG in the old set
    await writeOld('dev', 'features', { 'actors/user:alice': '1' });

    const run = await cli('flags', 'migrate');
    expect(run.code).toBe(EXIT_CODES.refused);
    expect(run.stdout).toContain(`dev features: not moved — its new hash key ${prefix}:dev:features is the old set of flag names, which still lists other flags: migrate those first`);
    expect(await suite.redis.smembers(`${prefix}:dev:features`)).toEqual(expect.arrayContaining(['features', FLAG]));

    const forced = await cli('flags', 'migrate', '--force');
    expect(forced).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
    expect(await store.get(FLAG, 'dev')).toEqual(gates({ percentageOfTime: 5 }));
    expect(await store.get('features', 'dev')).toEqual(gates({ actors: ['user:alice'] }));
  });

  it('says what it does in its help', async () => {
    const { cli } = setUp();
    const help = await cli('flags', 'migrate', '--help');
    expect(help.code).toBe(EXIT_CODES.ok);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('--force');
  });
});
