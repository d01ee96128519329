// End to end on a real Temporal dev server and Redis: the CLI starts, approves and aborts rollouts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

const run = promisify(execFile);
let stack: EmbeddedStack;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  cli = cliRunner(stack.config, { unsigned: true });
  const dir = mkdtempSync(join(tmpdir(), 'rollout-e2e-'));
  planFile = join(dir, 'fast.yaml');
  writeFileSync(
    planFile,
    ['ramp: { steps: [50, 100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 5m', 'signing: { mode: keyless }', 'requester: carol', 'operators: [sre-oncall]', ''].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function gates(flag: string): Promise<Record<Environment, FlagGates>> {
  const out = await cli('feature', 'get', flag, '--json');
  expect(out.code).toBe(0);
  const parsed = JSON.parse(out.stdout) as { flag: string; environments: Record<Environment, FlagGates> };
  expect(parsed.flag).toBe(flag);
  return parsed.environments;
}

async function statusOf(flag: string): Promise<{ stage: string; state: string; pendingGate: string | null; percentage: number }> {
  const out = await cli('status', flag, '--json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as never;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  return (await pollUntil(read, ok, { what, timeoutMs: 30_000, intervalMs: 100 })).value;
}

describe('CLI against a Temporal dev server', () => {
  it('starts a rollout, approves every gate and shows the gates at each stage', async () => {
    const flag = 'route_hll_to_snowplow_phase3';
    const started = await cli('start', flag, '--plan', planFile);
    expect(started).toMatchObject({ code: 0, stdout: `rollout-${flag}\n` });

    const again = await cli('start', flag, '--plan', planFile);
    expect(again.code).toBe(3); // refused
    expect(again.stderr).toMatch(/a rollout of route_hll_to_snowplow_phase3 is already running/);

    await until(() => statusOf(flag), (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    expect(await gates(flag)).toEqual({
      dev: { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null },
      staging: { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null },
      'staging-ref': { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null },
      production: { boolean: null, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null },
    });

    const self = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'carol');
    expect(self.code).toBe(3); // refused
    expect(self.stderr).toMatch(/refused: carol requested this rollout/);

    expect(await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'QA passed on staging-canary')).toMatchObject({
      code: 0,
      stdout: 'staging-qa approved by alice\n',
    });
    await until(() => statusOf(flag), (s) => s.pendingGate === 'production-qa', 'production-qa gate');
    expect((await gates(flag)).production).toEqual({
      boolean: null,
      actors: ['group:gitlab-com', 'group:gitlab-org', 'project:gitlab-com/www-gitlab-com', 'project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss'],
      groups: [],
      percentageOfActors: null,
      percentageOfTime: null,
    });

    expect((await cli('approve', flag, '--gate', 'production-qa', '--by', 'bob')).code).toBe(0);
    await until(() => statusOf(flag), (s) => s.pendingGate === 'global-readiness', 'global-readiness gate');
    const partial = await cli('approve', flag, '--gate', 'global-readiness', '--by', 'alice', '--confirm', 'milestone');
    expect(partial.stderr).toMatch(/refused: readiness items not confirmed: change-management/);
    const all = 'milestone,change-management,oncall-2h,docs,announcement,breaking-changes,support-notified';
    expect((await cli('approve', flag, '--gate', 'global-readiness', '--by', 'alice', '--confirm', all)).code).toBe(0);

    const ramping = await until(() => statusOf(flag), (s) => s.stage === 'ramp' && s.percentage === 50, 'ramp at 50%');
    expect(ramping.state).toBe('running');
    expect((await gates(flag)).production.percentageOfActors).toBeGreaterThanOrEqual(50);

    const done = await until(() => statusOf(flag), (s) => s.state === 'completed', 'completion');
    expect(done.stage).toBe('completed');
    expect((await gates(flag)).production).toMatchObject({ boolean: true, percentageOfActors: 100 });

    // The status stays readable after the rollout has ended, as JSON and for people.
    const human = await cli('status', flag);
    expect(human.stdout).toMatch(/state:\s+completed/);
    expect(human.stdout).toMatch(/global-readiness\s+approved\s+by alice/);
  });

  it('aborts a second flag mid-rollout and restores its earlier gates', async () => {
    const flag = 'second_flag_to_abort';
    expect((await cli('feature', 'set', flag, 'true', '--project', 'gitlab-org/existing')).code).toBe(0);
    expect((await cli('feature', 'set', flag, 'true', '--user', 'temp-user')).code).toBe(0);
    expect((await cli('feature', 'set', flag, 'false', '--user', 'temp-user')).code).toBe(0);
    expect((await cli('feature', 'set', flag, '10', '--random', '--ignore-random-deprecation-check', '--staging')).code).toBe(0);
    const before = await gates(flag);
    expect(before.production.actors).toEqual(['project:gitlab-org/existing']);
    expect(before.staging.percentageOfTime).toBe(10);

    expect((await cli('start', flag, '--plan', planFile)).code).toBe(0);
    await until(() => statusOf(flag), (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice');
    await until(() => statusOf(flag), (s) => s.pendingGate === 'production-qa', 'production-qa gate');
    expect((await gates(flag)).production.actors).toContain('project:gitlab-org/gitlab');

    expect(await cli('abort', flag, '--by', 'sre-oncall', '--reason', 'Snowplow lag')).toMatchObject({ code: 0 });
    const ended = await until(() => statusOf(flag), (s) => s.state === 'rolled-back', 'rollback');
    expect(ended.pendingGate).toBeNull();
    expect(await gates(flag)).toEqual(before);
  });

  it('refuses a plan for another flag and bad arguments, changing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-e2e-'));
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'flag: some_other_flag\n');
    const mismatch = await cli('start', 'third_flag', '--plan', other);
    expect(mismatch.code).toBe(2); // usage: the plan does not fit the command
    expect(mismatch.stderr).toMatch(/some_other_flag/);
    expect(mismatch.stderr).toMatch(/third_flag/);
    const missing = await cli('status', 'third_flag');
    expect(missing.stderr).toMatch(/no rollout of third_flag was found/);
    expect(missing.code).toBe(4); // not found

    const badGate = await cli('approve', 'third_flag', '--gate', 'prod', '--by', 'alice');
    expect(badGate.code).toBe(2); // usage
    expect(badGate.stderr).toMatch(/Allowed choices are staging-qa, production-qa, global-readiness/);
    const badValue = await cli('feature', 'set', 'third_flag', 'maybe');
    expect(badValue.stderr).toMatch(/The value "maybe" is invalid\. Valid values are: true, false, or an integer from 0 to 100\./);
    const badProject = await cli('feature', 'set', 'third_flag', 'true', '--project', 'gitlab', '--staging', '--production');
    expect(badProject.code).toBe(2); // usage
    expect(badProject.stderr).toMatch(/^error: --project "gitlab": Invalid actor id "project:gitlab": a project name must be a path/);
    expect((await cli('feature', 'get', 'third_flag')).code).toBe(4); // not set in any environment
  });

  it('lists rollouts through Temporal visibility', async () => {
    const all = await cli('list', '--all', '--json');
    expect(all.code).toBe(0);
    const rows = JSON.parse(all.stdout) as { flag: string; state: string; execution: string }[];
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ flag: 'route_hll_to_snowplow_phase3', state: 'completed', execution: 'COMPLETED' }),
        expect.objectContaining({ flag: 'second_flag_to_abort', state: 'rolled-back' }),
      ]),
    );
    const table = await cli('list', '--all');
    expect(table.stdout).toMatch(/^FLAG\s+STATE\s+STAGE/);
    expect(table.stdout).toMatch(/second_flag_to_abort\s+rolled-back/);
    expect((await cli('list')).stdout.trim()).toBe('no rollouts');
  });

  it('replays traffic through the tracking path to the collector (the flag is on after the first rollout)', async () => {
    const before = stack.collector.events().length;
    const out = await cli('traffic', '--rate', '200', '--duration', '1s', '--namespaces', '20');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const last = out.stdout.trim().split('\n').pop() ?? '';
    expect(last).toMatch(/tracked 200 {2}to Snowplow 200 \(100\.0%\) {2}sent 200 {2}queued 0 {2}failed attempts 0 {2}dropped 0/);
    expect(stack.collector.events().length - before).toBe(200);
    const bad = await cli('traffic', '--rate', 'fast');
    expect(bad.stderr).toMatch(/--rate.*must be a number > 0/);
  });

  it('says a worker is missing instead of hanging when nobody answers the status query', async () => {
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      const orphan = new RolloutClient(new Client({ connection }), 'no-worker-here', 1000);
      await orphan.start(parsePlan({ flag: 'orphan_flag' }));
      const started = Date.now();
      await expect(orphan.status('orphan_flag')).rejects.toThrow(
        /rollout-orphan_flag did not answer the status query within 1 s; is a worker running on task queue no-worker-here/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      await orphan.handle('orphan_flag').terminate('test cleanup');
    } finally {
      await connection.close();
    }
  });

  it('runs as `npx rollout` from the repository root', async () => {
    const root = resolve(__dirname, '..');
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.config.temporal.address, REDIS_URL: stack.config.redisUrl };
    const { stdout } = await run('npx', ['rollout', 'status', 'route_hll_to_snowplow_phase3', '--json'], { cwd: root, env });
    expect(JSON.parse(stdout) as unknown).toMatchObject({ flag: 'route_hll_to_snowplow_phase3', state: 'completed' });
    const failure = await run('npx', ['rollout', 'status', 'never_started'], { cwd: root, env }).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 4 }); // not found
    expect((failure as { stderr: string }).stderr).toContain('no rollout of never_started was found');
  });
});
