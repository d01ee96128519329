// GitLabFlagStore against the GitLab test server and a real Redis: reads, changes, idempotent retries and exact restores.
import { GitLabClient } from '../gitlab/gitlab-client';
import { getFeature, setFeature, type GitLabFeature } from '../gitlab/gitlab-features-api';
import { formatGitLabRequest, startGitLabTestServer, type RunningGitLabTestServer } from '../gitlab/test-server/gitlab-test-server';
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import { GitLabFlagStore } from '../flags/gitlab-flag-store';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { flagChangesChannel } from '../flags/redis-flag-store';
import { eventually } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const suite = useRedisServer();
let server: RunningGitLabTestServer;
let store: GitLabFlagStore;
let admin: GitLabClient;
let flagCounter = 0;
let flag: string;

const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });
const PLAN_ACTORS = ['project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss', 'group:gitlab-org', 'user:alice'];
/** The POST and DELETE calls seen since the last clear, one line each. */
const writes = () => server.requests().filter((r) => r.method !== 'GET').map(formatGitLabRequest);
/** A feature as GitLab holds it, set order aside: what "exactly the same gates" means on the API's side. */
const raw = async (env = 'production'): Promise<GitLabFeature | null> => {
  const feature = await getFeature(new GitLabClient({ baseUrl: server.instanceUrl(env), token: server.adminToken }), flag);
  return feature && { ...feature, gates: feature.gates.map((g) => (Array.isArray(g.value) ? { ...g, value: [...g.value].sort() } : g)) as GitLabFeature['gates'] };
};

beforeAll(async () => {
  server = await startGitLabTestServer({ instances: ['staging', 'production'] });
  for (const env of ['staging', 'production']) server.instance(env).addActors([...PLAN_ACTORS, 'project:gitlab-org/existing', 'user:temp-user']);
  admin = new GitLabClient({ baseUrl: server.instanceUrl('production'), token: server.adminToken });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  flag = `gitlab_store_flag_${++flagCounter}`;
  const client = (env: string) => new GitLabClient({ baseUrl: server.instanceUrl(env), token: server.adminToken, retry: { initialBackoffMs: 5, maxBackoffMs: 10 } });
  store = new GitLabFlagStore({ instances: { staging: client('staging'), production: client('production') }, redis: suite.redis, prefix: `gitlab${flagCounter}` });
  server.clearRequests();
  server.clearFaults();
});

it('reads GitLab\'s gates with actor ids as paths, and null for a flag GitLab does not have', async () => {
  expect(await store.get(flag, 'production')).toBeNull();
  await setFeature(admin, flag, { value: true, project: ['gitlab-org/gitlab'], group: ['gitlab-org'], user: ['alice'] });
  await setFeature(admin, flag, { value: true, feature_group: 'gitlab_team_members' });
  await setFeature(admin, flag, { value: 12.5, key: 'percentage_of_time' });
  const project = server.instance('production').projectByPath('gitlab-org/gitlab')!;
  expect((await raw())?.gates).toContainEqual({ key: 'actors', value: [`Group:${server.instance('production').groupByPath('gitlab-org')!.id}`, `Project:${project.id}`, `User:${server.instance('production').userByName('alice')!.id}`].sort() });
  expect(await store.get(flag, 'production')).toEqual(
    gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab', 'user:alice'], groups: ['gitlab_team_members'], percentageOfTime: 12.5 }),
  );
  // The ids are looked up once: a second read asks only for the features.
  server.clearRequests();
  await store.get(flag, 'production');
  expect(server.requests().map((r) => r.path)).toEqual(['/api/v4/features']);
});

it('makes each change with the one call ChatOps would make, and reports what GitLab holds after it', async () => {
  const applied = await store.apply(flag, 'production', { kind: 'actors', actors: PLAN_ACTORS }, 'c/1');
  expect(applied).toEqual({ previous: null, current: gates({ actors: [...PLAN_ACTORS].sort() }) });
  const ramp = await store.apply(flag, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 25 }, 'c/2');
  expect(ramp.current).toEqual(gates({ actors: [...PLAN_ACTORS].sort(), percentageOfActors: 25 }));
  // GitLab's rule: `true` clears every other gate.
  const global = await store.apply(flag, 'production', { kind: 'boolean', value: true }, 'c/3');
  expect(global).toEqual({ previous: ramp.current, current: gates({ boolean: true }) });
  expect(writes()).toEqual([
    `POST /production/api/v4/features/${flag} {value=true, project=gitlab-org/gitlab,gitlab-org/gitlab-foss, group=gitlab-org, user=alice} → 201`,
    `POST /production/api/v4/features/${flag} {value=25, key=percentage_of_actors} → 201`,
    `POST /production/api/v4/features/${flag} {value=true} → 201`,
  ]);
  expect(await store.changeRecord('c/2')).toEqual(ramp);
});

it('answers a retry of a completed change id from its record without calling GitLab, and refuses the id for another change', async () => {
  const first = await store.apply(flag, 'staging', { kind: 'boolean', value: true }, 'once');
  server.clearRequests();
  expect(await store.apply(flag, 'staging', { kind: 'boolean', value: true }, 'once')).toEqual(first);
  expect(server.requests()).toEqual([]);
  await expect(store.apply(flag, 'production', { kind: 'boolean', value: true }, 'once')).rejects.toThrow(InvalidFlagInput);
});

it('converges when an attempt failed after GitLab applied it: the retry keeps the gates from before the first attempt', async () => {
  await setFeature(admin, flag, { value: true, project: ['gitlab-org/existing'] });
  const before = await store.get(flag, 'production');
  // Every answer lost: the client gives up after its 4 attempts, although GitLab applied the change.
  server.fail({ method: 'POST', status: 500, when: 'after', times: 4 });
  await expect(store.apply(flag, 'production', { kind: 'actors', actors: ['project:gitlab-org/gitlab'] }, 'lost/1')).rejects.toMatchObject({ status: 500, attempts: 4 });
  expect(await store.changeRecord('lost/1')).toEqual({ previous: before, current: null }); // pending: may or may not be written
  const retried = await store.apply(flag, 'production', { kind: 'actors', actors: ['project:gitlab-org/gitlab'] }, 'lost/1');
  expect(retried).toEqual({ previous: before, current: gates({ actors: ['project:gitlab-org/existing', 'project:gitlab-org/gitlab'] }) });
  expect(await store.changeRecord('lost/1')).toEqual(retried);
});

it('waits out a 429 on its read and its write', async () => {
  server.fail({ method: 'GET', status: 429, retryAfterSeconds: 0 });
  server.fail({ method: 'POST', status: 429, retryAfterSeconds: 0 });
  const applied = await store.apply(flag, 'production', { kind: 'boolean', value: true }, 'throttled');
  expect(applied.current).toEqual(gates({ boolean: true }));
  expect(server.requests().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 429', 'GET 200', 'POST 429', 'POST 201']);
});

it('restores exactly the gates from before a rollout that enabled the flag globally (which cleared them)', async () => {
  await setFeature(admin, flag, { value: true, project: ['gitlab-org/existing'], user: ['temp-user'] });
  await setFeature(admin, flag, { value: true, feature_group: 'gitlab_team_members' });
  await setFeature(admin, flag, { value: 5, key: 'percentage_of_time' });
  const before = await store.get(flag, 'production');
  const beforeRaw = await raw();
  await store.apply(flag, 'production', { kind: 'actors', actors: PLAN_ACTORS }, 'r/1');
  await store.apply(flag, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 50 }, 'r/2');
  await store.apply(flag, 'production', { kind: 'boolean', value: true }, 'r/3');
  server.clearRequests();

  const restored = await store.apply(flag, 'production', { kind: 'restore', gates: before }, 'r/1/revert');
  expect(restored).toEqual({ previous: gates({ boolean: true }), current: before });
  expect(await raw()).toEqual(beforeRaw);
  expect(writes()).toEqual([
    `POST /production/api/v4/features/${flag} {value=false} → 201`,
    `POST /production/api/v4/features/${flag} {value=true, project=gitlab-org/existing, user=temp-user} → 201`,
    `POST /production/api/v4/features/${flag} {value=true, feature_group=gitlab_team_members} → 201`,
    `POST /production/api/v4/features/${flag} {value=5, key=percentage_of_time} → 201`,
  ]);
});

it('restores by removing only what the rollout added when nothing has to be cleared', async () => {
  await setFeature(admin, flag, { value: true, project: ['gitlab-org/existing'] });
  const before = await store.get(flag, 'production');
  await store.apply(flag, 'production', { kind: 'actors', actors: PLAN_ACTORS }, 'a/1');
  server.clearRequests();
  expect((await store.apply(flag, 'production', { kind: 'restore', gates: before }, 'a/1/revert')).current).toEqual(before);
  expect(writes()).toEqual([`POST /production/api/v4/features/${flag} {value=false, project=gitlab-org/gitlab,gitlab-org/gitlab-foss, group=gitlab-org, user=alice} → 201`]);
});

it('restores an absent flag by deleting it, and converges when the restore is interrupted half-way', async () => {
  await store.apply(flag, 'staging', { kind: 'boolean', value: true }, 'n/1');
  expect((await store.apply(flag, 'staging', { kind: 'restore', gates: null }, 'n/1/revert')).current).toBeNull();
  expect(await raw('staging')).toBeNull();

  // Half a restore: the clear went through, then GitLab failed; the retry plans from what it finds and finishes.
  await setFeature(admin, flag, { value: true, project: ['gitlab-org/existing'] });
  await setFeature(admin, flag, { value: 10, key: 'percentage_of_actors' });
  const before = await store.get(flag, 'production');
  await store.apply(flag, 'production', { kind: 'boolean', value: true }, 'h/1');
  server.clearRequests();
  server.fail({ method: 'POST', status: 500, when: 'after', times: 1 }); // the clear is applied, its answer lost
  server.fail({ method: 'POST', status: 503, times: 3 }); // then GitLab is down for the rest of the attempt
  await expect(store.apply(flag, 'production', { kind: 'restore', gates: before }, 'h/1/revert')).rejects.toMatchObject({ status: 503, attempts: 4 });
  expect((await raw())?.gates).toEqual([{ key: 'boolean', value: false }]); // half restored: cleared, nothing put back
  const retried = await store.apply(flag, 'production', { kind: 'restore', gates: before }, 'h/1/revert');
  expect(retried).toEqual({ previous: gates({ boolean: true }), current: before });
});

it('announces every write on the changes channel, like the Redis store', async () => {
  const subscriber = suite.redis.duplicate();
  const messages: string[] = [];
  await subscriber.subscribe(flagChangesChannel(`gitlab${flagCounter}`));
  subscriber.on('message', (_channel, message: string) => messages.push(message));
  try {
    await store.apply(flag, 'production', { kind: 'boolean', value: true }, 'pub/1');
    await store.delete(flag, 'production');
    await eventually('both announcements', () => messages.length >= 2);
    expect(messages).toEqual([`production\n${flag}`, `production\n${flag}`]);
  } finally {
    await subscriber.quit();
  }
});

it('refuses an environment it has no instance for, and actors GitLab cannot be sent', async () => {
  await expect(store.get(flag, 'dev')).rejects.toThrow('No GitLab instance is configured for dev: this store writes staging, production');
  await expect(store.apply(flag, 'production', { kind: 'actors', actors: ['Project:278964'] }, 'x/1')).rejects.toThrow(/GitLab's id form: the Features API takes paths/);
  expect(server.requests()).toEqual([]);
});
