// Compensation carries its own data: hand-made changes are recorded when overwritten; a failed restore fails loudly.
import type { FlagGates } from '../flags/flag-gates';
import * as messages from '../workflows/messages';
import { recordHistory } from './support/record-history';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});

const PRIOR: FlagGates = { boolean: null, actors: ['user:early-adopter'], groups: [], percentageOfActors: null, percentageOfTime: null };

it('restores the gates from before the rollout over a hand-made change, and records what it overwrote', async () => {
  const flag = 'hand_changed_flag';
  await h.store.apply(flag, 'production', { kind: 'restore', gates: PRIOR });
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  await h.waitFor(handle, pendingGateIs('production-qa'), 'production-qa');
  const written = await h.store.get(flag, 'production');
  // Someone runs `feature set hand_changed_flag 50 --random` during the rollout.
  await h.store.apply(flag, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 50 });
  const byHand = await h.store.get(flag, 'production');
  await h.signal(handle, messages.reject, { gate: 'production-qa', by: 'bob', reason: 'errors on gitlab-org/gitlab' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(await h.store.get(flag, 'production')).toEqual(PRIOR);
  expect(result.overwritten).toEqual([{ at: expect.any(String) as string, environment: 'production', expected: written, found: byHand, restored: PRIOR }]);
  expect(result.steps.some((s) => s.environment === 'production' && /overwrote a change made by hand/.test(s.action))).toBe(true);
  // The environments nobody touched by hand are restored without a note.
  expect(result.overwritten.map((o) => o.environment)).toEqual(['production']);
  await recordHistory('manual-change-overwritten', handle);
});

it('ends failed, closing as RolloutRollbackFailed, when a restore cannot be done; the other environments are still restored', async () => {
  const flag = 'restore_fails_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  // The store already holds another change under dev's restore id: the restore is refused for good (a bug, not an outage).
  const devRestoreId = `${handle.workflowId}/${handle.firstExecutionRunId}/1/revert`;
  await h.redis.set(
    `flipper:change:${devRestoreId}`,
    JSON.stringify({ flag, env: 'dev', change: '{"kind":"boolean","value":true}', previous: null, current: null }),
  );
  await h.signal(handle, messages.reject, { gate: 'staging-qa', by: 'alice', reason: 'QA found a bug' });
  await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'RolloutRollbackFailed' } });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('failed');
  expect(result.outcome?.reason).toMatch(/rollback could not undo: restore dev/);
  expect(await h.store.get(flag, 'dev')).toMatchObject({ boolean: true });
  expect(await h.store.get(flag, 'staging')).toBeNull();
  expect(await h.store.get(flag, 'staging-ref')).toBeNull();
  await recordHistory('restore-fails', handle);
});
