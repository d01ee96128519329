// Rollback on failures other than people's decisions: a failing activity and a cancelled workflow.
import * as messages from '../workflows/messages';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';
import { recordHistory } from './support/record-history';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});


it('rolls back when a flag write keeps failing for longer than the plan\'s outageTolerance', async () => {
  const flag = 'failing_write_flag';
  // dev holds a percentage the store cannot read, so every attempt to enable the flag there fails (and is retried).
  await h.redis.multi().sadd(h.store.featuresKey('dev'), flag).hset(h.store.featureKey(flag, 'dev'), 'percentage_of_time', 'garbage').exec();
  const handle = await h.start({ flag, outageTolerance: '2m' });
  const result = await h.finalStatus(handle); // time skips through the retries' back-off until the 2 minutes are spent
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('non-production');
  expect(result.outcome).toMatchObject({ cause: 'activity-failed' });
  expect(result.outcome?.reason).toMatch(/applyFlagChange failed/);
  // Retried for most of the 2 minutes (the server gives up when the next back-off would pass the tolerance).
  expect(Date.parse(result.outcome!.at) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(60_000);
  // The write never happened, so there was nothing to restore, and dev is exactly as it was.
  expect(result.steps.find((s) => s.environment === 'dev' && s.stage === 'rollback')?.action).toMatch(/nothing to restore/);
  expect(await h.redis.hgetall(h.store.featureKey(flag, 'dev'))).toEqual({ percentage_of_time: 'garbage' });
  await recordHistory('flag-write-fails', handle);
});

it('does not roll back when the guard cannot read the volume: it asks at volume-review instead', async () => {
  const flag = 'unreadable_counter_flag';
  await h.store.apply(flag, 'production', { kind: 'actors', actors: ['group:kept-group'] });
  // The guard's counter holds something that is not a count: every reading fails.
  await h.redis.set(snowplowSentCounterKey(flag, utcDay(new Date())), 'not-a-number');
  const handle = await h.start({ flag });
  await h.passGates(handle);
  // the 15m soak, then re-reads every 15m for the 1h inconclusiveWait
  const held = await h.skipUntil(handle, pendingGateIs('volume-review'), 'volume-review');
  expect(held.state).toBe('awaiting-approval');
  expect(held.stage).toBe('ramp');
  expect(held.percentage).toBe(1);
  expect(held.pendingGateReason).toMatch(/could not read the volume after 1h/);
  expect(held.lastVolume).toMatchObject({ verdict: 'unreadable' });
  expect(held.guard.unreadableSince).not.toBeNull();
  await h.signal(handle, messages.reject, { gate: 'volume-review', by: 'bob', reason: 'cannot see the volume' });
  const result = await h.finalStatus(handle);
  expect(result.outcome).toMatchObject({ cause: 'rejected', by: 'bob' });
  expect(await h.store.get(flag, 'production')).toEqual({ boolean: null, actors: ['group:kept-group'], groups: [], percentageOfActors: null, percentageOfTime: null });
  await recordHistory('unreadable-then-reject-at-volume-review', handle);
});

it('rolls back when the workflow is cancelled (e.g. from the Temporal UI)', async () => {
  const flag = 'cancelled_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  expect(await h.store.get(flag, 'staging')).toMatchObject({ boolean: true });
  await handle.cancel();
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.outcome).toMatchObject({ cause: 'cancelled' });
  await recordHistory('cancel', handle);
  for (const env of ['dev', 'staging', 'staging-ref', 'production'] as const) expect(await h.store.get(flag, env)).toBeNull();
});

it('ignores a rejection by someone who is neither approver nor requester', async () => {
  const flag = 'stranger_reject_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.reject, { gate: 'staging-qa', by: 'mallory', reason: 'no', id: 'r1' });
  const status = await h.waitFor(handle, (s) => s.refused.length === 1, 'refusal');
  expect(status.refused[0]).toMatchObject({ signal: 'reject', by: 'mallory' });
  expect(status.refused[0]?.reason).toContain('not an approver');
  expect(status.state).toBe('awaiting-approval');
  // The requester may withdraw their own rollout.
  await h.signal(handle, messages.reject, { gate: 'staging-qa', by: 'mikolaj_wawrzyniak', reason: 'withdrawn' });
  expect((await h.finalStatus(handle)).outcome).toMatchObject({ cause: 'rejected', by: 'mikolaj_wawrzyniak' });
  await recordHistory('refused-stranger-then-requester-withdraws', handle);
});
