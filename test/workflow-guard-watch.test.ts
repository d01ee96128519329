// The guard never looks away once production is touched: soaks, gates and verification are read every interval.
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

it('reads during a soak: a breach 1 h into a 6 h soak rolls back at the next 5-minute check', async () => {
  const flag = 'breach_in_soak_flag';
  const handle = await h.start({ flag, ramp: { steps: [1, 100], soak: '6h' }, guard: { interval: '5m', minSample: 0 } } as never);
  await h.passGates(handle);
  await h.waitFor(handle, (s) => s.stage === 'ramp' && s.percentage === 1, 'ramp at 1%');
  const soaking = await h.skipUntil(handle, (s) => s.guard.checks >= 12, 'a dozen checks into the soak', { step: '5m' });
  expect(soaking.stage).toBe('ramp');
  expect(soaking.guard.decisions.every((d) => d.verdict === 'within-budget')).toBe(true);
  await h.setVolume(flag, 10_000_001);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('ramp');
  expect(result.percentage).toBe(1);
  expect(result.outcome).toMatchObject({ cause: 'guard-breach' });
  // Caught at the first check after the breach, at most one interval later, long before the soak would end.
  const lastGood = result.guard.decisions.filter((d) => d.verdict === 'within-budget').at(-1)!;
  expect(Date.parse(result.outcome!.at) - Date.parse(soaking.guard.nextCheckAt!)).toBeLessThan(1000);
  expect(Date.parse(result.outcome!.at) - Date.parse(result.steps.find((s) => s.percentage === 1)!.at)).toBeLessThan(90 * 60_000);
  expect(lastGood).toBeDefined();
  expect(await h.store.get(flag, 'production')).toBeNull();
  await recordHistory('breach-in-soak', handle);
});

it('projects the full day at the current rate during verification, so a fresh UTC day cannot hide a breach', async () => {
  const flag = 'day_boundary_flag';
  const handle = await h.start({ flag, ramp: { steps: [100], soak: '15m' }, guard: { minSample: 1000 } } as never);
  await h.addTraffic(flag, 5000);
  await h.passGates(handle);
  await h.skipUntil(handle, (s) => s.stage === 'verification', 'verification'); // through the soak
  // Today's count is under budget (the day just turned), but the last 15 minutes ran at about 14.4 million a day.
  await h.setVolume(flag, 7_400_000);
  await h.addTraffic(flag, 150_000);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('verification');
  expect(result.outcome).toMatchObject({ cause: 'guard-breach' });
  expect(result.lastVolume).toMatchObject({ verdict: 'over-budget', count: 7_400_000 });
  expect(result.outcome?.reason).toMatch(/at the current rate \(172\.2\d\/s at 100%\) a full day is about 1488\d{4} events, over the budget of 10000000\/day/);
  await recordHistory('breach-by-full-day-projection', handle);
});

it('rolls back on an abort while a gate waits (from an operator of the plan)', async () => {
  const flag = 'abort_in_gate_flag';
  const handle = await h.start({ flag, operators: ['oncall-sre'] });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  await h.waitFor(handle, pendingGateIs('production-qa'), 'production-qa');
  await h.signal(handle, messages.abort, { by: 'oncall-sre', reason: 'incident elsewhere; not today' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('production-qa');
  expect(result.outcome).toMatchObject({ cause: 'aborted', by: 'oncall-sre' });
  for (const env of ['dev', 'staging', 'staging-ref', 'production'] as const) expect(await h.store.get(flag, env)).toBeNull();
  await recordHistory('abort-in-gate', handle);
});

it('rolls back on an abort during verification', async () => {
  const flag = 'abort_in_verification_flag';
  const handle = await h.start({ flag });
  await h.addTraffic(flag, 5000);
  await h.passGates(handle);
  await h.skipUntil(handle, (s) => s.stage === 'verification', 'verification');
  await h.signal(handle, messages.abort, { by: 'mikolaj_wawrzyniak', reason: 'dashboards look wrong' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('verification');
  expect(result.outcome).toMatchObject({ cause: 'aborted', by: 'mikolaj_wawrzyniak' });
  expect(await h.store.get(flag, 'production')).toBeNull();
  await recordHistory('abort-in-verification', handle);
});

it('goes on after a volume-review approval of a projected breach, and completes', async () => {
  const flag = 'projected_hold_approved_flag';
  const handle = await h.start({ flag, verification: '1h' });
  await h.addTraffic(flag, 18_000); // 20 events/s at 1 %: about 17 million a day at 10 %
  await h.passGates(handle);
  const held = await h.skipUntil(handle, pendingGateIs('volume-review'), 'volume-review');
  expect(held.percentage).toBe(1);
  await h.signal(handle, messages.approve, { gate: 'volume-review', by: 'bob', comment: 'the 1 % sample is skewed by our own projects' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  expect(result.steps.find((s) => s.gate === 'volume-review')).toMatchObject({ action: 'approved', by: 'bob' });
  await recordHistory('projected-hold-approve', handle);
});
