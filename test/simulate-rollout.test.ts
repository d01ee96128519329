// The simulated rollout: the workflow's stages, guard cadence and decisions against synthetic series, one test per verdict and outcome.
import { simulationExitCode } from '../client/simulate-command';
import { parsePlan } from '../plan/parse-plan';
import type { RolloutPlan } from '../plan/rollout-plan';
import { formatSimulation } from '../simulate/format-simulation';
import { MAX_SIMULATED_CHECKS, SimulationLimitError, simulateRollout } from '../simulate/simulate-rollout';
import type { SimulatedCheck, SimulationResult } from '../simulate/simulation-result';
import { simulationReport, simulationStatus } from '../simulate/simulation-status';
import { VolumeSeries } from '../simulate/volume-series';
import { renderMarkdown } from '../report/render-markdown';
import { dueCheck, guardWindowSeconds, nextRampPercentage, rampRateWindowMs, reReadWindowMs } from '../volume/guard-cadence';
import { clearanceAfter } from '../volume/guard-clearance';

const T0 = 1_764_583_200; // Monday 2025-12-01 10:00:00 UTC

/** The demo plan's shape (plans/demo.yaml): steps 10/50/100, 4 s soaks, a check every 3 s, 12 s of verification. */
function plan(guard: Record<string, unknown> = {}, more: Record<string, unknown> = {}): RolloutPlan {
  return parsePlan({
    flag: 'sim_flag',
    ramp: { steps: [10, 50, 100], soak: '4s' },
    verification: '12s',
    guard: { interval: '3s', minSample: 10, inconclusiveWait: '6s', ...guard },
    approvalTimeout: '10m',
    signing: { mode: 'keyless' },
    ...more,
  });
}

/** `perSecond` events every second for `seconds` seconds from T0. */
function flat(perSecond: number, seconds = 120, loop = false): VolumeSeries {
  return new VolumeSeries(T0, new Array<number>(seconds).fill(perSecond), loop);
}

const checks = (r: SimulationResult) => r.entries.filter((e): e is SimulatedCheck => e.kind === 'check');
/** Each check as `+<s> <purpose> <verdict> <then>`, seconds from the start. */
const timeline = (r: SimulationResult) => checks(r).map((c) => `+${(c.at - r.startMs) / 1000} ${c.purpose} ${c.decision.verdict}${c.then ? ` ${c.then}` : ''}`);
const percentagesSet = (r: SimulationResult) => r.steps.filter((s) => s.stage === 'ramp' && s.environment === 'production').map((s) => s.percentage);

describe('the guard rules the workflow and the simulation share', () => {
  it('cadence: a check due less than 0.5 s before a wait that ends with a check is left to that check', () => {
    expect(dueCheck(3000, 4000, true)).toBe(3000);
    expect(dueCheck(3000, 3500, true)).toBeNull();
    expect(dueCheck(3000, 3500, false)).toBe(3000);
    expect(dueCheck(null, 3500, false)).toBeNull();
    expect([guardWindowSeconds(400), guardWindowSeconds(4_000), guardWindowSeconds(7_200_000)]).toEqual([1, 4, 3600]);
    expect([rampRateWindowMs(4000, 3000), rampRateWindowMs(0, 3000), reReadWindowMs(1000, 3000)]).toEqual([4000, 3000, 3000]);
    expect([0, 1, 2].map((i) => nextRampPercentage([10, 50, 100], i))).toEqual([50, 100, null]);
    expect(nextRampPercentage([10, 50], 1)).toBe(100); // the global enable follows
  });

  it('clearance: go on, read again while there is time, roll back or ask', () => {
    expect(clearanceAfter('within-budget', 'hold', true)).toBe('go-on');
    expect(clearanceAfter('projected-over-budget', 'hold', true)).toBe('ask');
    expect(clearanceAfter('projected-over-budget', 'rollback', true)).toBe('roll-back');
    expect(clearanceAfter('over-budget', 'hold', true)).toBe('roll-back');
    expect(clearanceAfter('inconclusive', 'rollback', true)).toBe('read-again');
    expect(clearanceAfter('unreadable', 'hold', false)).toBe('ask');
  });
});

describe('simulateRollout', () => {
  it('completes within budget, checking on the workflow cadence: every interval in soaks and verification, a clearance at each soak end', () => {
    const result = simulateRollout(plan(), flat(100));
    expect(result.outcome).toMatchObject({ result: 'completed', stage: 'completed', percentage: 100, cause: null, stoppedBefore: null });
    expect(result.outcome.at - result.startMs).toBe(24_000);
    expect(timeline(result)).toEqual([
      '+3 watch within-budget', // in the 4 s soak at 10 %: due at +3 (the guard watches from production-actors, at +0)
      '+4 clear within-budget go-on', // the soak's end: the projection at 50 %
      '+7 watch within-budget',
      '+8 clear within-budget go-on', // before 100 %
      '+11 watch within-budget',
      '+12 after-last-step within-budget', // the last step is 100 %: a check, nothing to clear
      '+15 watch within-budget',
      '+18 watch within-budget',
      '+21 watch within-budget',
      '+24 final within-budget', // verification ends at +24; its last check is the final reading, not a watch (it is due < 0.5 s before)
    ]);
    expect(percentagesSet(result)).toEqual([10, 50, 100]);
    const clear50 = checks(result)[1]!.decision;
    expect(clear50).toMatchObject({ percentage: 10, nextPercentage: 50, windowSeconds: 4, windowCount: 40, projection: 4_320_000 });
    expect(simulationExitCode(result)).toBe(0);
    expect(result.steps.at(-1)).toMatchObject({ stage: 'verification', action: 'verified for 12s' });
  });

  it('rolls back before the next step when the projection is over budget and the plan says rollback (plans/tight-budget.yaml)', () => {
    const result = simulateRollout(plan({ budgetPerDay: 2_000_000, onProjectedBreach: 'rollback' }), flat(100));
    expect(result.outcome).toMatchObject({ result: 'rolled-back', cause: 'projected-breach', stage: 'ramp', percentage: 10, stoppedBefore: 50 });
    expect(result.outcome.reason).toMatch(/^stopped before 50%: at 50% the flag would send about 4320000 events\/day/);
    expect(result.outcome.decision).toMatchObject({ verdict: 'projected-over-budget', percentage: 10, nextPercentage: 50, projection: 4_320_000 });
    expect(timeline(result)).toEqual(['+3 watch within-budget', '+4 clear projected-over-budget roll-back']);
    expect(percentagesSet(result)).toEqual([10]);
    // The compensation: every environment touched, newest first, back to the gates before (unset).
    expect(result.steps.filter((s) => s.stage === 'rollback').map((s) => s.environment ?? s.action)).toEqual([
      'rolling back: stopped before 50%: at 50% the flag would send about 4320000 events/day (now 10.00/s at 10%), over the budget of 2000000',
      'production',
      'staging-ref',
      'staging',
      'dev',
    ]);
    expect(simulationExitCode(result)).toBe(7);
  });

  it('holds at volume-review on a projected breach when the plan says hold: a person decides', () => {
    const result = simulateRollout(plan({ budgetPerDay: 2_000_000, onProjectedBreach: 'hold' }), flat(100));
    expect(result.outcome).toMatchObject({ result: 'held', gate: 'volume-review', stage: 'ramp', percentage: 10, stoppedBefore: 50, cause: null });
    expect(result.outcome.gateDeadline! - result.startMs).toBe(4_000 + 600_000);
    expect(result.outcome.reason).toMatch(/^guard holds at 10%: at 50% the flag would send about 4320000 events\/day .*; approve to go on anyway, reject to roll back$/);
    expect(timeline(result).at(-1)).toBe('+4 clear projected-over-budget ask');
    expect(simulationExitCode(result)).toBe(3);
    expect(simulationStatus(result)).toMatchObject({ state: 'awaiting-approval', pendingGate: 'volume-review', stage: 'ramp', endedAt: null, outcome: null });
  });

  it('rolls back at once on an actual breach while it watches a soak (the full day at the current rate over budget)', () => {
    const counts = new Array<number>(120).fill(100);
    counts[5] = counts[6] = 30_000; // a burst at +5 s and +6 s, in the soak at 50 %
    const result = simulateRollout(plan(), new VolumeSeries(T0, counts));
    expect(result.outcome).toMatchObject({ result: 'rolled-back', cause: 'guard-breach', stage: 'ramp', percentage: 50, stoppedBefore: null });
    expect(timeline(result)).toEqual(['+3 watch within-budget', '+4 clear within-budget go-on', '+7 watch over-budget roll-back']);
    expect(result.outcome.decision).toMatchObject({ verdict: 'over-budget', windowCount: 30_050, percentage: 50 });
    expect(result.outcome.reason).toMatch(/^Snowplow volume over budget: at the current rate/);
    expect(simulationExitCode(result)).toBe(7);
  });

  it('rolls back when today\'s count is over budget', () => {
    const result = simulateRollout(plan({ budgetPerDay: 25, minSample: 1_000_000 }), flat(100));
    // At +3 s: 30 events today (10 % of 300) > 25; the rate test cannot judge (minSample), the count does.
    expect(result.outcome).toMatchObject({ result: 'rolled-back', cause: 'guard-breach', percentage: 10 });
    expect(result.outcome.decision).toMatchObject({ verdict: 'over-budget', count: 30, projection: null });
  });

  it('reads again every interval while too few events arrive, then asks at volume-review after inconclusiveWait', () => {
    const result = simulateRollout(plan(), flat(1));
    expect(timeline(result)).toEqual([
      '+3 watch within-budget',
      '+4 clear inconclusive read-again', // 0.4 events in 4 s at 10 %
      '+7 re-read inconclusive read-again',
      '+10 re-read inconclusive ask', // inconclusiveWait (6 s) is up
    ]);
    expect(checks(result)[2]!.decision.windowSeconds).toBe(4); // a re-read keeps the step's window (at least one interval)
    expect(result.outcome).toMatchObject({ result: 'held', gate: 'volume-review', stoppedBefore: 50, percentage: 10 });
    expect(result.outcome.reason).toMatch(/^guard inconclusive after 6s: .*; approve to go to 50% anyway, reject to roll back$/);
    expect(simulationExitCode(result)).toBe(3);
  });

  it('goes on once enough traffic arrives while it reads again', () => {
    const counts = new Array<number>(120).fill(1);
    for (let s = 5; s < 120; s++) counts[s] = 100;
    const result = simulateRollout(plan(), new VolumeSeries(T0, counts));
    expect(timeline(result).slice(0, 4)).toEqual(['+3 watch within-budget', '+4 clear inconclusive read-again', '+7 re-read within-budget go-on', '+10 watch within-budget']);
    expect(result.outcome.result).toBe('completed');
  });

  it('with approveReviews goes on past volume-review as approved, and still rolls back on a breach after it', () => {
    // 5 million a day: 50 % clears (4.32 million at 50 %), 100 % is projected at 8.64 million: hold; approved, 100 % breaches.
    const result = simulateRollout(plan({ budgetPerDay: 5_000_000 }), flat(100), { approveReviews: true });
    expect(result.reviews).toBe(1);
    expect(timeline(result)).toEqual([
      '+3 watch within-budget',
      '+4 clear within-budget go-on',
      '+7 watch within-budget',
      '+8 clear projected-over-budget ask',
      '+11 watch over-budget roll-back',
    ]);
    expect(result.steps.find((s) => s.gate === 'volume-review')).toMatchObject({ action: 'approved', by: 'simulated-approver' });
    expect(result.outcome).toMatchObject({ result: 'rolled-back', cause: 'guard-breach', percentage: 100 });
    expect(simulationExitCode(result)).toBe(7);
    expect(simulationExitCode(simulateRollout(plan({ budgetPerDay: 9_000_000, onProjectedBreach: 'hold' }), flat(100, 120), { approveReviews: true }))).toBe(0);
  });

  it('exits 3 when it completes only because a volume-review was approved as assumed', () => {
    // At 50 % (50/s) 100 % is projected at 8.64 million, over 8.5 million: hold; approved, the traffic has fallen to 90/s (7.8 million a day).
    const counts = new Array<number>(120).fill(100);
    for (let s = 8; s < 120; s++) counts[s] = 90;
    const result = simulateRollout(plan({ budgetPerDay: 8_500_000 }), new VolumeSeries(T0, counts), { approveReviews: true });
    expect(result.outcome.result).toBe('completed');
    expect(result.reviews).toBe(1);
    expect(simulationExitCode(result)).toBe(3);
  });

  it('approves gates after --gate-delay, the guard watching the production gates from production-actors on', () => {
    const result = simulateRollout(plan(), flat(100, 200), { gateDelayMs: 10_000 });
    const approvals = result.steps.filter((s) => s.gate).map((s) => `+${(Date.parse(s.at) - result.startMs) / 1000} ${s.gate}`);
    expect(approvals).toEqual(['+10 staging-qa', '+20 production-qa', '+30 global-readiness']);
    // No production change before +10: no checks before +13; the gates' checks read 0 % (actors carry no traffic here).
    expect(timeline(result).slice(0, 7)).toEqual([
      '+13 watch within-budget',
      '+16 watch within-budget',
      '+19 watch within-budget',
      '+22 watch within-budget',
      '+25 watch within-budget',
      '+28 watch within-budget',
      '+31 watch within-budget', // the soak at 10 % began at +30
    ]);
    expect(checks(result)[0]!).toMatchObject({ stage: 'production-qa', decision: { percentage: 0, windowCount: 0 } });
    expect(checks(result)[6]!.decision.windowCount).toBe(10); // one second of the soak at 10 %
    expect(result.outcome.result).toBe('completed');
  });

  it('lets the deadline pass when the gate delay is as long as approvalTimeout', () => {
    const result = simulateRollout(plan(), flat(100, 700), { gateDelayMs: 600_000 });
    expect(result.outcome).toMatchObject({ result: 'rolled-back', cause: 'gate-deadline', stage: 'staging-qa', reason: 'gate staging-qa had no decision within 10m' });
    expect(result.outcome.at - result.startMs).toBe(600_000);
    expect(result.steps.find((s) => s.gate === 'staging-qa')).toMatchObject({ action: 'gate deadline passed after 10m without a decision' });
    expect(simulationExitCode(result)).toBe(7);
  });

  it('counts the production actors\' share of the traffic before and during the ramp', () => {
    const result = simulateRollout(plan(), flat(100), { actorsShare: 0.5, gateDelayMs: 5_000 });
    const first = checks(result)[0]!; // watching from +5 (production-actors): the first check at +8, during production-qa, at 0 %
    expect(first).toMatchObject({ stage: 'production-qa', decision: { percentage: 0, windowCount: 150 } }); // 50 % of 100/s over 3 s
    const clear50 = checks(result).find((c) => c.purpose === 'clear' && c.decision.nextPercentage === 50)!;
    expect(clear50.decision.windowCount).toBe(220); // (0.5 + 0.5 × 10 %) of 100/s over 4 s
  });

  it('says the series ended when the rollout outlasts it, and repeats it with loop', () => {
    const short = simulateRollout(plan(), flat(100, 10));
    expect(short.outcome).toMatchObject({ result: 'series-ended', stage: 'ramp', percentage: 100 }); // the watch at +11 reads past +10
    expect(short.outcome.reason).toBe('the volume series ends at 2025-12-01T10:00:10.000Z, before the rollout does; record a longer series or repeat it (--loop)');
    expect(simulationExitCode(short)).toBe(2);
    expect(simulateRollout(plan(), flat(100, 10, true)).outcome.result).toBe('completed');
  });

  it('starts where told inside the series', () => {
    const counts = new Array<number>(200).fill(100);
    for (let s = 100; s < 200; s++) counts[s] = 1000;
    const result = simulateRollout(plan(), new VolumeSeries(T0, counts), { startMs: (T0 + 100) * 1000 });
    expect(result.startMs).toBe((T0 + 100) * 1000);
    expect(checks(result)[1]!.decision).toMatchObject({ windowCount: 400, projection: 43_200_000, verdict: 'projected-over-budget' });
  });

  it('waits for the change window before production changes', () => {
    const friday = Date.UTC(2025, 11, 5, 16, 0) / 1000; // Friday 16:00 UTC: less than the 2 h of on-call left
    const windowed = plan({ interval: '1h' }, { verification: '2h', changeWindow: { timeZone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' } });
    const result = simulateRollout(windowed, new VolumeSeries(friday, new Array<number>(3600).fill(100), true));
    const actors = result.steps.find((s) => s.stage === 'production-actors' && s.environment === 'production')!;
    expect(actors.at).toBe('2025-12-08T09:00:00.000Z'); // Monday's window
    expect(result.entries.find((e) => e.kind === 'note' && e.text.startsWith('held before'))).toMatchObject({ text: expect.stringMatching(/^held before "enable sim_flag for 5 actors on production": less than 2h of the window/) as unknown });
    expect(result.outcome.result).toBe('completed');
  });

  it('stops after MAX_SIMULATED_CHECKS checks', () => {
    expect(MAX_SIMULATED_CHECKS).toBe(200_000);
    expect(() => simulateRollout(plan({ interval: '1s' }, { verification: '3d' }), flat(100, 60, true), { maxChecks: 1000 })).toThrow(SimulationLimitError);
  });
});

describe('simulation output', () => {
  const result = simulateRollout(plan({ budgetPerDay: 2_000_000, onProjectedBreach: 'rollback' }), flat(100));

  it('prints each step and check with its simulated time, numbers formatted, and the outcome', () => {
    const text = formatSimulation(result, flat(100), { plan: 'plans/tight-budget.yaml', volume: 'demo.csv' });
    expect(text).toContain('Simulated rollout of sim_flag: plan plans/tight-budget.yaml, volume demo.csv');
    expect(text).toContain('  volume   2 min from 2025-12-01 10:00:00 UTC: 12,000 events at 100 % (100/s on average)');
    expect(text).toContain('  guard    budget 2,000,000 events/day, a check every 3s, at least 10 events to project, waits 6s for traffic, on a projected breach: rollback');
    expect(text).toMatch(/\+0 s +ramp +set 10% of actors on production\n/);
    expect(text).toMatch(/\+3 s +ramp +guard at 10 %: 30 events in 3 s \(10\/s\) → within budget: today 30, about 864,000\/day at this rate, budget 2,000,000\/day\n/);
    expect(text).toMatch(/\+4 s +ramp +guard clears 50 %: 40 events in 4 s \(10\/s\) → projected over budget: about 4,320,000\/day at 50 %, budget 2,000,000\/day → ROLL BACK\n/);
    expect(text).toMatch(/\+4 s +rollback +restore the gates from before the rollout on production\n/);
    expect(text).toContain(
      'Outcome: ROLLS BACK at +4 s (2025-12-01 10:00:04 UTC), stage ramp, 10 % on production, before 50 % (cause projected-breach): projected over budget: about 4,320,000/day at 50 %, budget 2,000,000/day.',
    );
  });

  it('renders like rollout report: the rollback, the ramp stopped at 10 %, the guard decision that stopped it, the simulated volume', () => {
    const report = simulationReport(result);
    expect(report).toMatchObject({ state: 'rolled-back', stage: 'ramp', outcome: { cause: 'projected-breach' }, percentageSteps: [{ percentage: 10 }] });
    expect(report.guard.stoppedBy).toMatchObject({ verdict: 'projected-over-budget', nextPercentage: 50 });
    expect(report.volume).toMatchObject({ available: true, total: 40, counts: [40] });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Rollout of sim\\_flag: rolled back');
    expect(markdown).toContain('  - [x] 10 % — set 2025-12-01 10:00:00 UTC');
    expect(markdown).toContain('  - [ ] 50 %');
    expect(markdown).toContain('- **stopped the rollout**: 2025-12-01 10:00:04 UTC');
  });
});
