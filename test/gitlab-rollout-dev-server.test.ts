// A rollout with FLAG_BACKEND=gitlab on a Temporal dev server: every flag change goes through the GitLab test server's
// Features API, and a rejection at production-qa restores exactly the prior gates through the same API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitLabClient } from '../gitlab/gitlab-client';
import { getFeature, setFeature, type GitLabFeature } from '../gitlab/gitlab-features-api';
import { formatGitLabRequest, startGitLabTestServer, type RunningGitLabTestServer } from '../gitlab/test-server/gitlab-test-server';
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

const FLAG = 'gitlab_backend_rollout';
/** The plan's default production actors, plus actors the flag had before the rollout. */
const ACTORS = ['project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss', 'project:gitlab-com/www-gitlab-com', 'group:gitlab-org', 'group:gitlab-com', 'project:gitlab-org/existing', 'user:temp-user'];
let gitlab: RunningGitLabTestServer;
let stack: EmbeddedStack;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

const client = (env: Environment) => new GitLabClient({ baseUrl: gitlab.instanceUrl(env), token: gitlab.adminToken });
/** The flag as each instance's Features API reports it (set members sorted): what "the exact prior gates" means. */
async function features(): Promise<Record<Environment, GitLabFeature | null>> {
  const entries = await Promise.all(
    ENVIRONMENTS.map(async (env) => {
      const feature = await getFeature(client(env), FLAG);
      return [env, feature && { ...feature, gates: feature.gates.map((g) => (Array.isArray(g.value) ? { ...g, value: [...g.value].sort() } : g)) }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<Environment, GitLabFeature | null>;
}

async function statusOf(flag: string): Promise<{ stage: string; state: string; pendingGate: string | null; outcome?: { cause?: string } }> {
  const out = await cli('status', flag, '--json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as never;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  return (await pollUntil(read, ok, { what, timeoutMs: 30_000, intervalMs: 100 })).value;
}

beforeAll(async () => {
  installQuietRuntime();
  gitlab = await startGitLabTestServer({ instances: ENVIRONMENTS });
  for (const env of ENVIRONMENTS) gitlab.instance(env).addActors(ACTORS);
  stack = await startEmbeddedStack({
    ui: false,
    env: {
      FLAG_BACKEND: 'gitlab',
      GITLAB_URL: gitlab.instanceUrl('production'),
      GITLAB_TOKEN: gitlab.adminToken,
      GITLAB_FEATURES_DEV_URL: gitlab.instanceUrl('dev'),
      GITLAB_FEATURES_STAGING_URL: gitlab.instanceUrl('staging'),
      GITLAB_FEATURES_STAGING_REF_URL: gitlab.instanceUrl('staging-ref'),
    },
  });
  cli = cliRunner(stack.config, { unsigned: true });
  const dir = mkdtempSync(join(tmpdir(), 'rollout-gitlab-e2e-'));
  planFile = join(dir, 'fast.yaml');
  writeFileSync(planFile, ['ramp: { steps: [50, 100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 5m', 'signing: { mode: keyless }', 'requester: carol', ''].join('\n'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await gitlab?.stop();
});

it('a rollout rejected at production-qa restores the exact prior gates of every environment through the Features API', async () => {
  // Before: production has an actor, a user, a feature group and 5 % of time; staging 20 % of actors; dev and staging-ref nothing.
  await setFeature(client('production'), FLAG, { value: true, project: ['gitlab-org/existing'], user: ['temp-user'] });
  await setFeature(client('production'), FLAG, { value: true, feature_group: 'gitlab_team_members' });
  await setFeature(client('production'), FLAG, { value: 5, key: 'percentage_of_time' });
  await setFeature(client('staging'), FLAG, { value: 20, key: 'percentage_of_actors' });
  const before = await features();
  expect(before.dev).toBeNull();
  gitlab.clearRequests();

  expect(await cli('start', FLAG, '--plan', planFile)).toMatchObject({ code: 0, stdout: `rollout-${FLAG}\n` });
  await until(() => statusOf(FLAG), (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
  const nonProduction = await features();
  for (const env of ['dev', 'staging', 'staging-ref'] as const) expect(nonProduction[env]).toMatchObject({ state: 'on', gates: [{ key: 'boolean', value: true }] });

  expect((await cli('approve', FLAG, '--gate', 'staging-qa', '--by', 'alice')).code).toBe(0);
  await until(() => statusOf(FLAG), (s) => s.pendingGate === 'production-qa', 'production-qa gate');
  const production = gitlab.instance('production');
  const planActorIds = ['gitlab-org/gitlab', 'gitlab-org/gitlab-foss', 'gitlab-com/www-gitlab-com'].map((p) => `Project:${production.projectByPath(p)!.id}`);
  expect((await features()).production?.gates.find((g) => g.key === 'actors')?.value).toEqual(expect.arrayContaining(planActorIds));

  expect((await cli('reject', FLAG, '--gate', 'production-qa', '--by', 'bob', '--reason', 'QA failed on gitlab-org/gitlab')).code).toBe(0);
  const ended = await until(() => statusOf(FLAG), (s) => s.state === 'rolled-back', 'rollback');
  expect(ended.outcome?.cause).toBe('rejected');
  expect(await features()).toEqual(before);

  // What the reader sees: every change and every restore as a call to the Features API.
  const calls = gitlab.requests().filter((r) => r.method !== 'GET').map(formatGitLabRequest);
  expect(calls).toEqual([
    `POST /dev/api/v4/features/${FLAG} {value=true} → 201`,
    `POST /staging/api/v4/features/${FLAG} {value=true} → 201`,
    `POST /staging-ref/api/v4/features/${FLAG} {value=true} → 201`,
    `POST /production/api/v4/features/${FLAG} {value=true, project=gitlab-org/gitlab,gitlab-org/gitlab-foss,gitlab-com/www-gitlab-com, group=gitlab-org,gitlab-com} → 201`,
    `POST /production/api/v4/features/${FLAG} {value=false, project=gitlab-com/www-gitlab-com,gitlab-org/gitlab,gitlab-org/gitlab-foss, group=gitlab-com,gitlab-org} → 201`,
    `DELETE /staging-ref/api/v4/features/${FLAG} → 204`,
    `POST /staging/api/v4/features/${FLAG} {value=false} → 201`,
    `POST /staging/api/v4/features/${FLAG} {value=20, key=percentage_of_actors} → 201`,
    `DELETE /dev/api/v4/features/${FLAG} → 204`,
  ]);
}, 90_000);

it('feature commands read and write the same GitLab Features API as rollouts do (FLAG_BACKEND=gitlab)', async () => {
  const flag = 'manual_gitlab_flag';
  expect(await cli('feature', 'set', flag, 'true', '--staging', '--production', '--by', 'carol')).toMatchObject({ code: 0 });
  expect((await getFeature(client('production'), flag))?.state).toBe('on');
  expect((await getFeature(client('staging'), flag))?.state).toBe('on');
  expect(await getFeature(client('dev'), flag)).toBeNull();
  const listed = await cli('feature', 'list', '--match', 'manual_gitlab');
  expect(listed.stdout).toMatch(/^manual_gitlab_flag +staging: on .*production: on/m);
  expect(await cli('feature', 'delete', flag, '--staging', '--production', '--by', 'carol')).toMatchObject({ code: 0 });
  expect(await getFeature(client('production'), flag)).toBeNull();
  expect((await cli('feature', 'get', flag)).code).toBe(4);
});
