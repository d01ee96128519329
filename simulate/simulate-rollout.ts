// Runs a plan's rollout in simulated time against a volume series: the workflow's stages, waits and guard checks, decided by the same rules.
import { windowVerdict } from '../change-control/change-window';
import { productionActorIds } from '../flags/actor-id';
import type { Environment } from '../flags/environments';
import { applyChangeToGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import { durationToMs } from '../plan/duration-text-schema';
import type { ConfigurableGate, RolloutPlan } from '../plan/rollout-plan';
import { dueCheck, guardWindowSeconds, nextRampPercentage, rampRateWindowMs, reReadWindowMs } from '../volume/guard-cadence';
import { clearanceAfter } from '../volume/guard-clearance';
import { decideGuard, type GuardDecision } from '../volume/guard-decision';
import { STAGES, type Stage, type StepRecord } from '../workflows/rollout-status';
import { SimulatedTraffic } from './simulated-traffic';
import type { CheckPurpose, SimulatedCheck, SimulationEntry, SimulationOptions, SimulationOutcome, SimulationResult } from './simulation-result';
import type { VolumeSeries } from './volume-series';

/** The most guard checks one simulation makes (a guard every second over months would print millions of lines). */
export const MAX_SIMULATED_CHECKS = 200_000;

/** Who approves in a simulation: nobody real. */
export const SIMULATED_APPROVER = 'simulated-approver';

/** A simulation that would make more guard checks than it may. */
export class SimulationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * Simulates the rollout of `plan` from `options.startMs` (default: the series' start), the flag's traffic being the
 * series scaled by its share (see SimulatedTraffic). Follows `workflows/rollout-stages.ts`: flag changes take no
 * time, gates are approved `gateDelayMs` after they open (a delay of `approvalTimeout` or more lets the deadline pass),
 * soaks and verification wait in simulated time, and the guard checks on the workflow's cadence and decides with
 * `decideGuard` and `clearanceAfter`. It stops at the first `volume-review` unless `approveReviews`.
 */
export function simulateRollout(plan: RolloutPlan, series: VolumeSeries, options: SimulationOptions = {}): SimulationResult {
  return new RolloutSimulation(plan, series, {
    startMs: options.startMs ?? series.startMs,
    gateDelayMs: options.gateDelayMs ?? 0,
    approveReviews: options.approveReviews ?? false,
    actorsShare: options.actorsShare ?? 0,
    maxChecks: options.maxChecks ?? MAX_SIMULATED_CHECKS,
  }).run();
}

/** Ends the simulated stages early, as RollbackRequested (or a gate waiting for people) ends the workflow's. */
class Stop extends Error {
  constructor(readonly outcome: Pick<SimulationOutcome, 'result' | 'cause' | 'reason' | 'decision' | 'gate' | 'gateDeadline'>) {
    super(outcome.reason);
  }
}

class RolloutSimulation {
  private now: number;
  private stage: Stage = 'non-production';
  private percentage = 0;
  private actorsOn = false;
  private watching = false;
  private nextCheckAt: number | null = null;
  private stoppedBefore: number | null = null;
  private reviews = 0;
  private readonly entries: SimulationEntry[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly checks: GuardDecision[] = [];
  /** Gates per environment the rollout touched, in the order of its first change there (the flag is taken as unset before). */
  private readonly touched = new Map<Environment, FlagGates | null>();
  private readonly traffic: SimulatedTraffic;
  private readonly intervalMs: number;
  private readonly soakMs: number;
  private readonly verificationMs: number;
  private readonly approvalTimeoutMs: number;
  private readonly inconclusiveWaitMs: number;

  constructor(
    private readonly plan: RolloutPlan,
    private readonly series: VolumeSeries,
    private readonly options: Required<SimulationOptions>,
  ) {
    this.now = options.startMs;
    this.traffic = new SimulatedTraffic(series, plan.flag);
    this.traffic.setShare(this.now, 0);
    const ms = (text: string) => durationToMs(text) ?? 0;
    this.intervalMs = ms(plan.guard.interval);
    this.soakMs = ms(plan.ramp.soak);
    this.verificationMs = ms(plan.verification);
    this.approvalTimeoutMs = ms(plan.approvalTimeout);
    this.inconclusiveWaitMs = ms(plan.guard.inconclusiveWait);
  }

  run(): SimulationResult {
    let outcome: SimulationOutcome;
    try {
      this.stages();
      outcome = this.outcome({ result: 'completed', cause: null, reason: 'rollout completed', decision: null, gate: null, gateDeadline: null });
      this.stage = 'completed';
      outcome.stage = 'completed';
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      outcome = this.outcome(error.outcome);
      if (outcome.result === 'rolled-back') this.rollBack(outcome.reason);
    }
    return {
      plan: this.plan,
      startMs: this.options.startMs,
      options: this.options,
      entries: this.entries,
      steps: this.steps,
      checks: this.checks,
      reviews: this.reviews,
      outcome,
      traffic: this.traffic,
    };
  }

  private outcome(end: Stop['outcome']): SimulationOutcome {
    return { ...end, at: this.now, stage: this.stage, percentage: this.percentage, stoppedBefore: end.result === 'completed' ? null : this.stoppedBefore };
  }

  /** The stages of `runStages`, in order. */
  private stages(): void {
    const { plan } = this;
    this.stage = 'non-production';
    for (const environment of plan.environments) this.apply(environment, { kind: 'boolean', value: true }, { action: 'enabled globally' });
    this.gate('staging-qa');

    this.stage = 'production-actors';
    const actors = productionActorIds(plan.production.actors);
    if (actors.length > 0) {
      this.awaitChangeAllowed(`enable ${plan.flag} for ${actors.length} actors on production`);
      this.apply('production', { kind: 'actors', actors }, { action: 'enabled for actors', actors });
      this.actorsOn = true;
      this.traffic.setShare(this.now, this.share());
    } else {
      this.record({ stage: 'production-actors', action: 'skipped: the plan names no production actors' });
    }
    this.watching = true;
    this.nextCheckAt = this.now + this.intervalMs;
    this.note(`the guard watches from here, every ${plan.guard.interval}`);
    this.gate('production-qa');
    this.gate('global-readiness');

    const percentageGate = plan.ramp.type === 'actors' ? 'percentageOfActors' : 'percentageOfTime';
    const windowMs = rampRateWindowMs(this.soakMs, this.intervalMs);
    for (const [index, percentage] of plan.ramp.steps.entries()) {
      this.stage = 'ramp';
      this.awaitChangeAllowed(`set ${plan.flag} to ${percentage}% of ${plan.ramp.type} on production`);
      this.apply('production', { kind: 'percentage', gate: percentageGate, value: percentage }, { action: `set ${percentage}% of ${plan.ramp.type}`, percentage });
      this.percentage = percentage;
      this.traffic.setShare(this.now, this.share());
      if (this.soakMs > 0) this.note(`soak at ${percentage}% for ${plan.ramp.soak}`);
      this.waitUntil(this.now + this.soakMs, true);
      const next = nextRampPercentage(plan.ramp.steps, index);
      if (next === null) this.check(percentage, null, windowMs, 'after-last-step');
      else this.clearNextStep(percentage, next, windowMs);
    }

    this.stage = 'global';
    this.awaitChangeAllowed(`enable ${plan.flag} globally on production`);
    this.apply('production', { kind: 'boolean', value: true }, { action: 'enabled globally' });
    this.percentage = 100;
    this.traffic.setShare(this.now, this.share());

    this.stage = 'verification';
    this.note(`verification for ${plan.verification}`);
    this.waitUntil(this.now + this.verificationMs, true);
    this.check(this.percentage, null, this.intervalMs, 'final');
    this.record({ stage: 'verification', action: `verified for ${plan.verification}` });
  }

  /**
   * awaitChangeAllowed of workflows/change-control.ts for the plan's change window: a production change waits until
   * the window allows it, the guard watching. Freezes are not simulated (none is assumed).
   */
  private awaitChangeAllowed(what: string): void {
    const window = this.plan.changeWindow;
    if (!window) return;
    for (;;) {
      const verdict = windowVerdict(window, new Date(this.now));
      if (verdict.open) return;
      this.note(`held before "${what}": ${verdict.reason}`);
      this.waitUntil(Math.max(verdict.opensAt.getTime(), this.now + 1000), false);
    }
  }

  /** The flag's share of all traffic: the production actors' share, plus the percentage of the rest. */
  private share(): number {
    const actors = this.actorsOn ? this.options.actorsShare : 0;
    return actors + ((1 - actors) * this.percentage) / 100;
  }

  /** `waitUntil` of workflows/waits.ts without pauses: returns true when the decision at `decisionAt` ends the wait first. */
  private waitUntil(until: number, endsWithCheck: boolean, decisionAt: number | null = null): boolean {
    for (;;) {
      if (decisionAt !== null && this.now >= decisionAt) return true;
      if (this.now >= until) return false;
      const due = this.watching ? dueCheck(this.nextCheckAt, until, endsWithCheck) : null;
      if (due !== null && due <= this.now) {
        this.check(this.percentage, null, this.intervalMs, 'watch');
        continue;
      }
      const wakeAt = due === null ? until : Math.min(until, due);
      if (decisionAt !== null && decisionAt <= wakeAt) {
        this.now = decisionAt;
        continue;
      }
      this.now = wakeAt;
      if (due !== null && this.now >= due && this.now < until) this.check(this.percentage, null, this.intervalMs, 'watch');
    }
  }

  /** A gate: approved after the gate delay (within its deadline), the guard watching meanwhile; `volume-review` stops the simulation unless approveReviews. */
  private gate(name: ConfigurableGate, reason: string | null = null): void {
    // As RolloutProgress.openGate: gates that are stages of the issue become the stage; volume-review keeps the ramp's.
    if ((STAGES as readonly string[]).includes(name)) this.stage = name as Stage;
    const deadline = this.now + this.approvalTimeoutMs;
    if (name === 'volume-review') {
      this.reviews += 1;
      if (!this.options.approveReviews) {
        this.note(`gate volume-review waits for a person (deadline in ${this.plan.approvalTimeout}); the guard keeps watching`);
        throw new Stop({ result: 'held', cause: null, reason: reason ?? 'the guard asks at volume-review', decision: this.checks.at(-1) ?? null, gate: name, gateDeadline: deadline });
      }
    }
    const decisionAt = this.options.gateDelayMs < this.approvalTimeoutMs ? this.now + this.options.gateDelayMs : null;
    if (decisionAt !== this.now) this.note(`gate ${name} waits for a decision (deadline in ${this.plan.approvalTimeout})`);
    if (!this.waitUntil(deadline, false, decisionAt)) {
      this.record({ stage: this.stage, gate: name, action: `gate deadline passed after ${this.plan.approvalTimeout} without a decision` });
      throw new Stop({ result: 'rolled-back', cause: 'gate-deadline', reason: `gate ${name} had no decision within ${this.plan.approvalTimeout}`, decision: null, gate: null, gateDeadline: null });
    }
    const needed = this.plan.gates?.[name]?.approvals ?? 1;
    const confirmed = name === 'global-readiness' ? { confirmed: [...this.plan.readiness] } : {};
    for (let i = 1; i <= needed; i++) {
      const action = needed > 1 ? `approved (${i} of ${needed})` : 'approved';
      this.record({ stage: this.stage, gate: name, action, by: SIMULATED_APPROVER, comment: `assumed approved ${this.options.gateDelayMs / 1000} s after the gate opened`, ...confirmed });
    }
  }

  /** One reading and decision, as VolumeGuard.check; over budget rolls back. */
  private check(percentage: number, nextPercentage: number | null, windowMs: number, purpose: CheckPurpose): SimulatedCheck {
    if (!this.series.covers(this.now)) {
      const reason = `the volume series ends at ${new Date(this.series.endMs).toISOString()}, before the rollout does; record a longer series or repeat it (--loop)`;
      throw new Stop({ result: 'series-ended', cause: null, reason, decision: null, gate: null, gateDeadline: null });
    }
    if (this.checks.length >= this.options.maxChecks) {
      throw new SimulationLimitError(`the simulation stops after ${this.options.maxChecks} guard checks (guard every ${this.plan.guard.interval}); simulate a shorter plan`);
    }
    const { budgetPerDay, minSample } = this.plan.guard;
    const reading = this.traffic.reading(this.now, guardWindowSeconds(windowMs));
    const decision = decideGuard(reading, { budgetPerDay, minSample, percentage, nextPercentage, projectCurrentRate: true });
    this.nextCheckAt = this.now + this.intervalMs;
    this.checks.push(decision);
    const entry: SimulatedCheck = { kind: 'check', at: this.now, stage: this.stage, purpose, decision, then: null };
    this.entries.push(entry);
    if (decision.verdict === 'over-budget') {
      entry.then = 'roll-back';
      throw new Stop({ result: 'rolled-back', cause: 'guard-breach', reason: `Snowplow volume over budget: ${decision.reason}`, decision, gate: null, gateDeadline: null });
    }
    return entry;
  }

  /** VolumeGuard.clearNextStep: go on, read again while inconclusive, roll back, or ask at volume-review. */
  private clearNextStep(percentage: number, next: number, windowMs: number): void {
    const { onProjectedBreach, inconclusiveWait } = this.plan.guard;
    const giveUpAt = this.now + this.inconclusiveWaitMs;
    let entry = this.check(percentage, next, windowMs, 'clear');
    while (clearanceAfter(entry.decision.verdict, onProjectedBreach, this.now < giveUpAt) === 'read-again') {
      const until = Math.min(this.now + this.intervalMs, giveUpAt);
      entry.then = 'read-again';
      entry.readAgainAt = until;
      this.waitUntil(until, true);
      entry = this.check(percentage, next, reReadWindowMs(windowMs, this.intervalMs), 're-read');
    }
    const { decision } = entry;
    const clearance = clearanceAfter(decision.verdict, onProjectedBreach, false);
    entry.then = clearance;
    if (clearance === 'go-on') return;
    this.stoppedBefore = next;
    if (clearance === 'roll-back') {
      throw new Stop({ result: 'rolled-back', cause: 'projected-breach', reason: `stopped before ${next}%: ${decision.reason}`, decision, gate: null, gateDeadline: null });
    }
    const why =
      decision.verdict === 'projected-over-budget'
        ? `guard holds at ${percentage}%: ${decision.reason}; approve to go on anyway, reject to roll back`
        : `guard inconclusive after ${inconclusiveWait}: ${decision.reason}; approve to go to ${next}% anyway, reject to roll back`;
    this.record({ stage: 'ramp', action: why, percentage }, false); // the check's line says it
    this.gate('volume-review', why);
    this.stoppedBefore = null;
  }

  /** A flag change: no time passes; the gates before and after are recorded as the workflow records them. */
  private apply(environment: Environment, change: FlagChange, step: Omit<StepRecord, 'at' | 'stage' | 'environment'>): void {
    const before = this.touched.get(environment) ?? null;
    const after = applyChangeToGates(before, change);
    this.touched.set(environment, after);
    this.record({ stage: this.stage, ...step, environment, before, gates: after });
  }

  /** The compensation: every touched environment restored, newest first, to the gates before the rollout (unset). */
  private rollBack(reason: string): void {
    this.record({ stage: 'rollback', action: `rolling back: ${reason}` });
    for (const environment of [...this.touched.keys()].reverse()) {
      this.record({ stage: 'rollback', action: 'restored previous gates', environment, gates: null });
    }
    this.traffic.setShare(this.now, 0);
  }

  /** A step as the status records it; `shown`: also a line of the simulation's timeline. */
  private record(step: Omit<StepRecord, 'at'>, shown = true): void {
    const record: StepRecord = { at: new Date(this.now).toISOString(), ...step };
    this.steps.push(record);
    if (shown) this.entries.push({ kind: 'step', at: this.now, step: record });
  }

  private note(text: string): void {
    this.entries.push({ kind: 'note', at: this.now, stage: this.stage, text });
  }
}
