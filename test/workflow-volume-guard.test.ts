// The volume guard's projection and minimum sample in the workflow, on the time-skipping server with real Redis.
import type { GuardDecision } from '../volume/guard-decision';
import * as messages from '../workflows/messages';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';
import { recordHistory } from './support/record-history';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});


// Default plan: steps 1, 10, 25, 50, 75, 100 % with 15m soaks, so the guard measures over a 900 s window.
const WINDOW_SECONDS = 900;

it('completes a ramp whose projections stay under budget, recording each decision', async () => {
  const flag = 'under_budget_flag';
  const handle = await h.start({ flag, verification: '1h' }); // short, so every decision stays in the status
  await h.addTraffic(flag, 9000); // 10 events/s at 1 %: about 8.6 million a day at 10 %
  await h.passGates(handle);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  const rampDecisions = result.guard.decisions.filter((d) => d.nextPercentage !== null);
  expect(rampDecisions.map((d) => [d.percentage, d.nextPercentage, d.verdict])).toEqual([
    [1, 10, 'within-budget'],
    [10, 25, 'within-budget'],
    [25, 50, 'within-budget'],
    [50, 75, 'within-budget'],
    [75, 100, 'within-budget'],
  ]);
  const first = rampDecisions[0] as GuardDecision;
  expect(first.windowSeconds).toBe(WINDOW_SECONDS);
  expect(first.windowCount).toBe(9000);
  expect(first.projection).toBe(Math.round((9000 / WINDOW_SECONDS) * 86_400 * 10));
  expect(first.budgetPerDay).toBe(10_000_000);
  expect(first.query).toContain('snowplow_sent:{under_budget_flag}');
  // 5 before the next steps, 1 at 100 %, 4 during the hour of verification; on a loaded machine a slow flag write can
  // push a soak's end more than END_CHECK_SLACK_MS past a due check, which then reads once more.
  expect(result.guard.checks).toBeGreaterThanOrEqual(10);
  expect(result.guard.checks).toBeLessThanOrEqual(12);
  expect(result.guard.decisions).toHaveLength(result.guard.checks);
  await recordHistory('ramp-within-budget', handle);
});

it('stops before the step whose projection is over budget and rolls back (onProjectedBreach: rollback)', async () => {
  const flag = 'projected_breach_flag';
  const handle = await h.start({ flag, guard: { onProjectedBreach: 'rollback' } } as never);
  await h.addTraffic(flag, 18_000); // 20 events/s at 1 %: about 17 million a day at 10 %
  await h.passGates(handle);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.outcome).toMatchObject({ cause: 'projected-breach' });
  expect(result.outcome?.reason).toMatch(/stopped before 10%/);
  expect(result.lastVolume).toMatchObject({ verdict: 'projected-over-budget', percentage: 1, nextPercentage: 10, projection: 17_280_000 });
  // 10 % was never set: the ramp stopped at 1 %, then everything was restored.
  expect(result.steps.filter((s) => s.stage === 'ramp' && s.percentage !== undefined).map((s) => s.percentage)).toEqual([1]);
  expect(await h.store.get(flag, 'production')).toBeNull();
  await recordHistory('projected-breach-rollback', handle);
});

it('holds at the current step and asks at volume-review when the projection is over budget (default: hold)', async () => {
  const flag = 'projected_hold_flag';
  const handle = await h.start({ flag });
  await h.addTraffic(flag, 18_000);
  await h.passGates(handle);
  const held = await h.skipUntil(handle, pendingGateIs('volume-review'), 'volume-review gate'); // through the 1 % soak
  expect(held.stage).toBe('ramp');
  expect(held.percentage).toBe(1);
  expect(held.pendingGateReason).toMatch(/guard holds at 1%: at 10% the flag would send about 17280000 events\/day/);
  expect((await h.store.get(flag, 'production'))?.percentageOfActors).toBe(1);
  await h.signal(handle, messages.reject, { gate: 'volume-review', by: 'bob', reason: 'too much volume' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.outcome).toMatchObject({ cause: 'rejected', by: 'bob' });
  await recordHistory('projected-hold-reject', handle);
});

it('treats too little traffic as inconclusive, re-reads, then escalates to volume-review', async () => {
  const flag = 'quiet_flag';
  const handle = await h.start({ flag });
  await h.passGates(handle); // no traffic at all
  // soak 15m + up to 1h of inconclusive re-reads every 15m
  const escalated = await h.skipUntil(handle, pendingGateIs('volume-review'), 'volume-review gate');
  expect(escalated.percentage).toBe(1);
  expect(escalated.pendingGateReason).toMatch(/guard inconclusive after 1h: 0 events in the last 900s; at least 1000 are needed/);
  const inconclusive = escalated.guard.decisions.filter((d): d is GuardDecision => d.verdict === 'inconclusive');
  expect(inconclusive.length).toBe(5); // the first reading plus four re-reads at 15-minute intervals
  expect(inconclusive.every((d) => d.projection === null)).toBe(true);
  await h.signal(handle, messages.approve, { gate: 'volume-review', by: 'bob', comment: 'low traffic is expected at night' });
  await h.waitFor(handle, (s) => s.percentage === 10, 'ramp to 10%');
  await h.signal(handle, messages.abort, { by: 'bob', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  await recordHistory('inconclusive-escalation-approve', handle);
});

it('keeps watching the volume while a gate waits once production is touched, and rolls back on a breach', async () => {
  const flag = 'breach_while_waiting_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  await h.waitFor(handle, pendingGateIs('production-qa'), 'production-qa');
  await h.setVolume(flag, 10_000_001); // the actors enabled on production send too much; nobody has decided yet
  const result = await h.finalStatus(handle); // time skips to the gate's first guard check, one interval (15m) in
  expect(result.state).toBe('rolled-back');
  expect(result.stage).toBe('production-qa');
  expect(result.outcome).toMatchObject({ cause: 'guard-breach' });
  expect(result.lastVolume).toMatchObject({ percentage: 0, nextPercentage: null, verdict: 'over-budget' });
  const waited = Date.parse(result.outcome!.at) - Date.parse(result.steps.find((s) => s.stage === 'production-actors')!.at);
  expect(waited).toBeGreaterThanOrEqual(15 * 60_000);
  expect(waited).toBeLessThan(16 * 60_000);
  expect(await h.store.get(flag, 'production')).toBeNull();
  await recordHistory('breach-in-gate', handle);
});
