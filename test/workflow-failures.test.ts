// Rollback on failures other than people's decisions: a failing activity and a cancelled workflow.
import * as messages from '../workflows/messages';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});


it('rolls back when an activity keeps failing (unreadable volume counter)', async () => {
  const flag = 'failing_activity_flag';
  await h.store.apply(flag, 'production', { kind: 'actors', actors: ['group:kept-group'] });
  const before = await h.store.get(flag, 'production');
  // The guard's counter holds something that is not a count: every read attempt fails.
  await h.redis.set(snowplowSentCounterKey(flag, utcDay(new Date())), 'not-a-number');
  const handle = await h.start({ flag });
  await h.passGates(handle);
  const result = await handle.result();
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('ramp');
  expect(result.outcome).toMatchObject({ cause: 'activity-failed' });
  expect(result.outcome?.reason).toMatch(/readEventVolume failed: .*expected a non-negative integer counter/);
  expect(await h.store.get(flag, 'production')).toEqual(before);
  expect(await h.store.get(flag, 'dev')).toBeNull();
});

it('rolls back when the workflow is cancelled (e.g. from the Temporal UI)', async () => {
  const flag = 'cancelled_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  expect(await h.store.get(flag, 'staging')).toMatchObject({ boolean: true });
  await handle.cancel();
  const result = await handle.result();
  expect(result.state).toBe('rolled-back');
  expect(result.outcome).toMatchObject({ cause: 'cancelled' });
  for (const env of ['dev', 'staging', 'staging-ref', 'production'] as const) expect(await h.store.get(flag, env)).toBeNull();
});

it('ignores a rejection by someone who is neither approver nor requester', async () => {
  const flag = 'stranger_reject_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await handle.signal(messages.reject, { gate: 'staging-qa', by: 'mallory', reason: 'no', id: 'r1' });
  const status = await h.waitFor(handle, (s) => s.refused.length === 1, 'refusal');
  expect(status.refused[0]).toMatchObject({ signal: 'reject', by: 'mallory' });
  expect(status.refused[0]?.reason).toContain('not an approver');
  expect(status.state).toBe('awaiting-approval');
  // The requester may withdraw their own rollout.
  await handle.signal(messages.reject, { gate: 'staging-qa', by: 'mikolaj_wawrzyniak', reason: 'withdrawn' });
  expect((await handle.result()).outcome).toMatchObject({ cause: 'rejected', by: 'mikolaj_wawrzyniak' });
});
