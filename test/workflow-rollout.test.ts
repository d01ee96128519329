// The rollout workflow with the DEFAULT plan on the time-skipping server, real Redis behind the activities.
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import * as messages from '../workflows/messages';
import type { GateName, RolloutStatus } from '../workflows/rollout-status';
import { ALL_READINESS, pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';
import { recordHistory } from './support/record-history';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Gates that were on production before the rollout; rollback must leave them exactly so. */
const PRIOR_PRODUCTION: FlagGates = {
  boolean: null,
  actors: ['project:gitlab-org/existing', 'user:early-adopter'],
  groups: [],
  percentageOfActors: null,
  percentageOfTime: 5,
};

async function seedPriorGates(flag: string): Promise<void> {
  await h.store.apply(flag, 'production', { kind: 'restore', gates: PRIOR_PRODUCTION });
}

async function gatesEverywhere(flag: string): Promise<Record<Environment, FlagGates | null>> {
  return {
    dev: await h.store.get(flag, 'dev'),
    staging: await h.store.get(flag, 'staging'),
    'staging-ref': await h.store.get(flag, 'staging-ref'),
    production: await h.store.get(flag, 'production'),
  };
}

async function approve(handle: Awaited<ReturnType<Harness['start']>>, gate: GateName, by: string): Promise<RolloutStatus> {
  await h.waitFor(handle, pendingGateIs(gate), `gate ${gate}`);
  const confirmed = gate === 'global-readiness' ? [...ALL_READINESS] : undefined;
  await h.signal(handle, messages.approve, { gate, by, comment: `${gate} looks good`, confirmed, id: `${gate}-${by}` });
  return h.waitFor(handle, (s) => s.steps.some((step) => step.messageId === `${gate}-${by}`), `approval of ${gate}`);
}

describe('rollout workflow (default plan: 15m soaks, 24h verification, 7d gate deadline)', () => {
  it('completes the happy path, refusing approvals that break the rules', async () => {
    const flag = 'route_hll_to_snowplow_phase3';
    await seedPriorGates(flag);
    const handle = await h.start({ flag });
    await h.addTraffic(flag, 5000); // enough for the guard to project each next step (default minSample 1000)

    const atStaging = await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
    expect(atStaging.state).toBe('awaiting-approval');
    expect(await gatesEverywhere(flag)).toMatchObject({
      dev: { boolean: true },
      staging: { boolean: true },
      'staging-ref': { boolean: true },
      production: PRIOR_PRODUCTION,
    });

    // Refused: the requester, a stranger, and the wrong gate. None of them moves the rollout.
    await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'mikolaj_wawrzyniak', id: 'self' });
    await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'mallory', id: 'stranger' });
    await h.signal(handle, messages.approve, { gate: 'production-qa', by: 'alice', id: 'wrong-gate' });
    const refused = await h.waitFor(handle, (s) => s.refused.length === 3, 'three refusals');
    expect(refused.refused.map((r) => [r.id, r.reason])).toEqual([
      ['self', expect.stringContaining('requested this rollout')],
      ['stranger', expect.stringContaining('not an approver')],
      ['wrong-gate', expect.stringContaining('not pending')],
    ]);
    expect(refused.pendingGate).toBe('staging-qa');

    await approve(handle, 'staging-qa', 'alice');
    await h.waitFor(handle, pendingGateIs('production-qa'), 'production-qa');
    expect((await h.store.get(flag, 'production'))?.actors).toEqual(
      [
        'group:gitlab-com',
        'group:gitlab-org',
        'project:gitlab-com/www-gitlab-com',
        'project:gitlab-org/existing',
        'project:gitlab-org/gitlab',
        'project:gitlab-org/gitlab-foss',
        'user:early-adopter',
      ],
    );
    await approve(handle, 'production-qa', 'bob');

    await h.waitFor(handle, pendingGateIs('global-readiness'), 'global-readiness');
    await h.signal(handle, messages.approve, { gate: 'global-readiness', by: 'alice', confirmed: ['milestone', 'docs'], id: 'partial' });
    const partial = await h.waitFor(handle, (s) => s.refused.some((r) => r.id === 'partial'), 'partial checklist refusal');
    expect(partial.refused.find((r) => r.id === 'partial')?.reason).toMatch(/not confirmed: change-management, oncall-2h/);
    await approve(handle, 'global-readiness', 'alice');

    const result = await h.finalStatus(handle);
    expect(result.state).toBe('completed');
    expect(result.stage).toBe('completed');
    expect(result.percentage).toBe(100);
    expect(result.lastVolume).toMatchObject({ verdict: 'within-budget', budgetPerDay: 10_000_000 });
    expect(await h.store.get(flag, 'production')).toMatchObject({ boolean: true, percentageOfActors: 100, percentageOfTime: 5 });

    // Ramp steps are at least one soak (15m) apart, and verification lasted the full 24h of workflow time.
    const rampTimes = result.steps.filter((s) => s.stage === 'ramp').map((s) => Date.parse(s.at));
    expect(result.steps.filter((s) => s.stage === 'ramp').map((s) => s.percentage)).toEqual([1, 10, 25, 50, 75, 100]);
    for (let i = 1; i < rampTimes.length; i++) expect(rampTimes[i]! - rampTimes[i - 1]!).toBeGreaterThanOrEqual(15 * 60_000);
    const globalAt = Date.parse(result.steps.find((s) => s.stage === 'global')!.at);
    expect(Date.parse(result.endedAt!) - globalAt).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(result.steps.filter((s) => s.action === 'approved').map((s) => [s.stage, s.by])).toEqual([
      ['staging-qa', 'alice'],
      ['production-qa', 'bob'],
      ['global-readiness', 'alice'],
    ]);

    await recordHistory('happy-path', handle);
  });

  it.each(['staging-qa', 'production-qa', 'global-readiness'] as const)(
    'a rejection at %s restores the exact prior gates everywhere',
    async (rejectedGate) => {
      const flag = `reject_at_${rejectedGate.replace(/-/g, '_')}`;
      await seedPriorGates(flag);
      const before = await gatesEverywhere(flag);
      const handle = await h.start({ flag });
      for (const gate of ['staging-qa', 'production-qa', 'global-readiness'] as const) {
        if (gate === rejectedGate) break;
        await approve(handle, gate, 'bob');
      }
      await h.waitFor(handle, pendingGateIs(rejectedGate), rejectedGate);
      await h.signal(handle, messages.reject, { gate: rejectedGate, by: 'alice', reason: 'QA found a bug' });
      const result = await h.finalStatus(handle);
      expect(result.state).toBe('rolled-back');
      expect(result.outcome).toMatchObject({ cause: 'rejected', by: 'alice' });
      expect(result.outcome?.reason).toContain('QA found a bug');
      expect(await gatesEverywhere(flag)).toEqual(before);
      expect(before.dev).toBeNull();
      expect(before.production).toEqual(PRIOR_PRODUCTION);
      // Restores run newest first: production (touched last) before the non-production environments.
      const restored = result.steps.filter((s) => s.stage === 'rollback' && s.environment).map((s) => s.environment);
      expect(restored[0]).toBe(rejectedGate === 'staging-qa' ? 'staging-ref' : 'production');
      await recordHistory(`reject-at-${rejectedGate}`, handle);
    },
  );

  it('rolls back when a gate passes its 7d deadline', async () => {
    const flag = 'deadline_flag';
    const handle = await h.start({ flag });
    await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
    const result = await h.finalStatus(handle); // time skips to the deadline
    expect(result.state).toBe('rolled-back');
    expect(result.outcome).toMatchObject({ cause: 'gate-deadline' });
    expect(result.outcome?.reason).toContain('staging-qa');
    expect(Date.parse(result.endedAt!) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(7 * 24 * 3_600_000);
    expect(await gatesEverywhere(flag)).toEqual({ dev: null, staging: null, 'staging-ref': null, production: null });
    await recordHistory('gate-deadline', handle);
  });

  it('rolls back when the volume guard sees a breach during verification', async () => {
    const flag = 'guard_breach_flag';
    await seedPriorGates(flag);
    const handle = await h.start({ flag });
    await h.addTraffic(flag, 5000);
    await h.passGates(handle);
    // past the six 15m ramp soaks, into verification
    const verifying = await h.skipUntil(handle, (s) => s.stage === 'verification', 'verification');
    expect(verifying.lastVolume?.verdict).toBe('within-budget');
    await h.setVolume(flag, 10_000_001);
    const result = await h.finalStatus(handle);
    expect(result.state).toBe('rolled-back');
    expect(result.stage).toBe('verification');
    expect(result.outcome).toMatchObject({ cause: 'guard-breach' });
    expect(result.lastVolume).toMatchObject({ count: 10_000_001, verdict: 'over-budget' });
    expect(await h.store.get(flag, 'production')).toEqual(PRIOR_PRODUCTION);
    expect(await h.store.get(flag, 'dev')).toBeNull();
    await recordHistory('breach-in-verification', handle);
  });

  it('rolls back when aborted during the ramp', async () => {
    const flag = 'abort_in_ramp_flag';
    await seedPriorGates(flag);
    const handle = await h.start({ flag, operators: ['oncall-sre'] });
    await h.addTraffic(flag, 5000);
    await h.passGates(handle);
    const ramping = await h.waitFor(handle, (s) => s.stage === 'ramp' && s.percentage === 1, 'ramp at 1%');
    expect((await h.store.get(flag, 'production'))?.percentageOfActors).toBe(1);
    expect(ramping.state).toBe('running');
    await h.signal(handle, messages.abort, { by: 'oncall-sre', reason: 'error rate up' });
    const result = await h.finalStatus(handle);
    expect(result.state).toBe('rolled-back');
    expect(result.outcome).toMatchObject({ cause: 'aborted', by: 'oncall-sre' });
    expect(await gatesEverywhere(flag)).toEqual({ dev: null, staging: null, 'staging-ref': null, production: PRIOR_PRODUCTION });
    await recordHistory('abort-in-soak', handle);
  });
});
