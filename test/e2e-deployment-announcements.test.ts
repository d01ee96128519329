// Deployment checks and issue announcements on a dev server against the GitLab test server: the rollout waits for its
// merge commit on staging, then on production, and cross-posts its production changes on the rollout issue.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { startGitLabTestServer, type RunningGitLabTestServer } from '../gitlab/test-server/gitlab-test-server';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

const PROJECT = 'gitlab-org/gitlab';
const BASE = 'a'.repeat(40);
const COMMIT = 'b'.repeat(40);
const LATER = 'c'.repeat(40);
let gitlab: RunningGitLabTestServer;
let stack: EmbeddedStack;
let connection: Connection;
let rollouts: RolloutClient;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

beforeAll(async () => {
  installQuietRuntime();
  gitlab = await startGitLabTestServer({ instances: ['production'] });
  const instance = gitlab.instance('production');
  instance.addProject(PROJECT);
  instance.addHistory([BASE, COMMIT, LATER]);
  instance.addDeployment({ project: PROJECT, environment: 'gstg', sha: BASE });
  instance.addDeployment({ project: PROJECT, environment: 'gprd', sha: BASE });
  instance.addIssue({ project: PROJECT, iid: 4242, title: '[Feature flag] Rollout of route_hll_to_snowplow_phase3' });
  stack = await startEmbeddedStack({ ui: false, env: { GITLAB_URL: gitlab.instanceUrl('production'), GITLAB_TOKEN: gitlab.adminToken } });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
  cli = cliRunner(stack.config, { unsigned: true });
  planFile = join(mkdtempSync(join(tmpdir(), 'rollout-deploy-')), 'plan.yaml');
  writeFileSync(
    planFile,
    [
      'requester: carol',
      'ramp: { steps: [50, 100], soak: 1s }',
      'verification: 2s',
      'guard: { interval: 1s, minSample: 0 }',
      'signing: { mode: keyless }',
      `deployment: { project: ${PROJECT}, commit: ${COMMIT}, environments: { nonProduction: [gstg], production: [gprd] }, interval: 1s, timeout: 10m }`,
      `announce: { issues: ["${PROJECT}#4242"] }`,
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
  await gitlab?.stop();
});

const until = async (flag: string, ok: (s: RolloutStatus) => boolean, what: string) =>
  (await pollUntil(() => rollouts.status(flag), ok, { what, timeoutMs: 30_000, intervalMs: 200 })).value;

it('waits for the merge commit on staging and on production, then announces the ramp, each production change and the end on the issue', async () => {
  const flag = 'deploy_checked_flag';
  expect(await cli('start', flag, '--plan', planFile)).toMatchObject({ code: 0 });
  const waiting = await until(flag, (s) => s.deployment?.phase === 'non-production', 'the first deployment check');
  expect(waiting.deployment).toMatchObject({ deployed: false, environments: [{ environment: 'gstg', deployed: false, sha: BASE }] });
  expect(waiting.steps.some((s) => s.environment === 'dev')).toBe(false);

  gitlab.instance('production').addDeployment({ project: PROJECT, environment: 'gstg', sha: LATER }); // contains COMMIT
  await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa once deployed to gstg');
  expect(await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice')).toMatchObject({ code: 0 });
  const beforeProduction = await until(flag, (s) => s.deployment?.phase === 'production', 'the production check');
  expect(beforeProduction.deployment).toMatchObject({ deployed: false, environments: [{ environment: 'gprd', deployed: false }] });
  expect(beforeProduction.steps.some((s) => s.environment === 'production')).toBe(false);

  gitlab.instance('production').addDeployment({ project: PROJECT, environment: 'gprd', sha: COMMIT });
  await until(flag, (s) => s.pendingGate === 'production-qa', 'production-qa once deployed to gprd');
  expect(await cli('approve', flag, '--gate', 'production-qa', '--by', 'bob')).toMatchObject({ code: 0 });
  await until(flag, (s) => s.pendingGate === 'global-readiness', 'global-readiness');
  const confirm = 'milestone,change-management,oncall-2h,docs,announcement,breaking-changes,support-notified';
  expect(await cli('approve', flag, '--gate', 'global-readiness', '--by', 'alice', '--confirm', confirm)).toMatchObject({ code: 0 });
  const done = await until(flag, (s) => s.state === 'completed', 'completed');
  expect(done.steps.map((s) => s.action)).toEqual(
    expect.arrayContaining([`merge commit ${COMMIT.slice(0, 8)} is deployed to gstg`, `merge commit ${COMMIT.slice(0, 8)} is deployed to gprd`]),
  );

  const notes = await pollUntil(
    () => gitlab.instance('production').notesOn(PROJECT, 4242).map((n) => n.body),
    (bodies) => bodies.some((b) => b.includes('is enabled globally on production and passed')),
    { what: 'the completion note', timeoutMs: 20_000 },
  );
  const posted = notes.value;
  expect(posted.some((b) => /the global enable is expected at/.test(b))).toBe(true);
  expect(posted.filter((b) => /on production \(done\)/.test(b)).length).toBe(4); // actors, 50 %, 100 %, global
  // Each notice is posted once: its marker appears in one note only.
  const markers = posted.map((b) => /<!-- rollout-notice:(.*) -->/.exec(b)?.[1]);
  expect(new Set(markers).size).toBe(markers.length);
});

it('cleans up: waits for the flag-removal merge request, its deployment everywhere and the cleanup gate, then deletes the flag everywhere', async () => {
  const flag = 'cleaned_up_flag';
  const removal = 'd'.repeat(40);
  const instance = gitlab.instance('production');
  instance.addCommit(removal, [LATER]);
  const removalMr = instance.addMergeRequest({ project: PROJECT, iid: 777, state: 'opened' });
  const cleanupPlan = join(mkdtempSync(join(tmpdir(), 'rollout-cleanup-')), 'plan.yaml');
  writeFileSync(
    cleanupPlan,
    ['requester: carol', 'ramp: { steps: [100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'signing: { mode: keyless }', 'cleanup: { environments: [gstg, gprd], interval: 1s, timeout: 10m }', ''].join('\n'),
  );
  expect(await cli('start', flag, '--plan', cleanupPlan)).toMatchObject({ code: 0 });
  for (const [gate, by] of [['staging-qa', 'alice'], ['production-qa', 'bob'], ['global-readiness', 'alice']] as const) {
    await until(flag, (s) => s.pendingGate === gate, gate);
    const confirm = gate === 'global-readiness' ? ['--confirm', 'milestone,change-management,oncall-2h,docs,announcement,breaking-changes,support-notified'] : [];
    expect(await cli('approve', flag, '--gate', gate, '--by', by, ...confirm)).toMatchObject({ code: 0 });
  }
  const waitingForMr = await until(flag, (s) => s.stage === 'cleanup', 'the cleanup stage');
  expect(waitingForMr.state).toBe('running');
  expect((await cli('feature', 'get', flag, '--json')).stdout).toMatch(/"boolean": true/);

  expect(await cli('cleanup', flag, '--mr', `${PROJECT}!777`, '--by', 'carol')).toMatchObject({ code: 0 });
  const notMerged = await until(flag, (s) => s.cleanupMr === `${PROJECT}!777` && s.steps.some((step) => /flag-removal merge request is/.test(step.action)), 'the MR taken');
  expect(notMerged.stage).toBe('cleanup');
  Object.assign(removalMr, { state: 'merged', merge_commit_sha: removal, merged_at: new Date().toISOString() }); // merged now
  const onStaging = await until(flag, (s) => s.deployment?.phase === 'cleanup', 'the cleanup deployment check');
  expect(onStaging.deployment).toMatchObject({ commit: removal, deployed: false });
  instance.addDeployment({ project: PROJECT, environment: 'gstg', sha: removal });
  instance.addDeployment({ project: PROJECT, environment: 'gprd', sha: removal });
  await until(flag, (s) => s.pendingGate === 'cleanup', 'the cleanup gate');
  expect(await cli('approve', flag, '--gate', 'cleanup', '--by', 'alice', '--comment', 'removal is live')).toMatchObject({ code: 0 });
  const done = await until(flag, (s) => s.state === 'completed', 'completed');
  expect(done.steps.filter((s) => s.action === 'deleted the flag').map((s) => s.environment)).toEqual(['dev', 'staging', 'staging-ref', 'production']);
  expect((await cli('feature', 'get', flag)).code).toBe(4); // gone everywhere
});
