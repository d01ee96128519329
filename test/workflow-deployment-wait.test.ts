// Deployment checks on the time-skipping server: without GitLab the rollout waits, then asks at gate `deployment`.
import * as messages from '../workflows/messages';
import { recordHistory } from './support/record-history';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness(); // a worker without GitLab: no deployment can be confirmed
});

afterAll(async () => {
  await h?.close();
});

const COMMIT = '4f1c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b';

it('says a plan without a merge commit skips the deployment checks', async () => {
  const handle = await h.start({ flag: 'no_commit_flag' });
  const status = await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  expect(status.steps[0]).toMatchObject({ action: 'deployment check before non-production skipped: the plan names no merge commit' });
  await h.signal(handle, messages.abort, { by: 'alice', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
});

it('waits for the deployment, re-checking, and after the timeout asks at gate deployment; a rejection rolls back untouched', async () => {
  const flag = 'undeployed_flag';
  const handle = await h.start({ flag, deployment: { project: 'gitlab-org/gitlab', commit: COMMIT, interval: '10m', timeout: '1h' } } as never);
  const waiting = await h.waitFor(handle, (s) => s.deployment != null, 'the first deployment check');
  expect(waiting.deployment).toMatchObject({ phase: 'non-production', commit: COMMIT, deployed: false, environments: [{ environment: 'gstg', deployed: false, sha: null }] });
  expect(waiting.deployment!.problem).toMatch(/no GitLab is configured on the worker/);
  expect(waiting.steps.some((s) => s.stage === 'non-production' && s.environment)).toBe(false); // nothing enabled yet
  const asked = await h.skipUntil(handle, pendingGateIs('deployment'), 'the deployment gate', { step: '10m', limit: '2h' });
  expect(asked.stage).toBe('non-production');
  expect(asked.pendingGateReason).toMatch(/merge commit 4f1c1a2b is not confirmed deployed before non-production after 1h/);
  await h.signal(handle, messages.reject, { gate: 'deployment', by: 'alice', reason: 'not deployed yet; try next week' });
  const result = await h.finalStatus(handle);
  expect(result.outcome).toMatchObject({ cause: 'rejected', by: 'alice' });
  expect(await h.store.get(flag, 'dev')).toBeNull();
  await recordHistory('deployment-timeout-reject', handle);
});

it('completes without cleanup when no flag-removal merge request comes within the cleanup timeout, keeping the flag', async () => {
  const flag = 'cleanup_timeout_flag';
  const handle = await h.start({ flag, ramp: { steps: [100], soak: '1m' }, verification: '1h', guard: { interval: '15m', minSample: 0 }, cleanup: { timeout: '2h' } } as never);
  await h.passGates(handle);
  const inCleanup = await h.skipUntil(handle, (s) => s.stage === 'cleanup', 'the cleanup stage', { step: '10m', limit: '3h' });
  expect(inCleanup.cleanupMr).toBeNull();
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  expect(result.steps.at(-1)?.action).toMatch(/^cleanup not done, the flag is kept: no flag-removal merge request yet: send it with `rollout cleanup cleanup_timeout_flag --mr group\/project!123` after 2h$/);
  expect((await h.store.get(flag, 'production'))?.boolean).toBe(true);
  await recordHistory('cleanup-timeout', handle);
});
