// The event-volume guard inside the workflow: reads through a (local) activity, decides with a pure rule, acts on the verdict.
import { ActivityFailure, isCancellation, patched } from '@temporalio/workflow';
import { durationToMs } from '../plan/duration-text-schema';
import type { RolloutPlan } from '../plan/rollout-plan';
import { guardWindowSeconds, reReadWindowMs } from '../volume/guard-cadence';
import { clearanceAfter } from '../volume/guard-clearance';
import { decideGuard, type GuardRecord, type UnreadableCheck } from '../volume/guard-decision';
import { MAX_WINDOW_SECONDS, type VolumeReading } from '../volume/volume-reader';
import { guardReads, legacyGuardReads } from './activity-proxies';
import { GUARD_WATCHES_EVERY_INTERVAL } from './patches';
import { RollbackRequested } from './rollback-requested';
import type { RolloutContext } from './rollout-context';
import type { RolloutProgress } from './rollout-progress';
import { gate, waitUntil, type WaitKind } from './waits';
import type { WorkflowClock } from './workflow-clock';

const MAX_WINDOW_MS = MAX_WINDOW_SECONDS * 1000;
/** Before GUARD_WATCHES_EVERY_INTERVAL a gate was watched at most this many times before its deadline. */
const LEGACY_CHECKS_PER_GATE = 100;

/** When a wait must stop for a guard check, which rate window that check reads, and what to do after it. */
export interface Cadence {
  dueAt(): number | null;
  windowMs: number;
  checked(): void;
}

const NEVER: Cadence = { dueAt: () => null, windowMs: 0, checked: () => undefined };

export class VolumeGuard {
  /** True: every wait is watched every interval (GUARD_WATCHES_EVERY_INTERVAL); false only for rollouts recorded before. */
  private everyInterval: boolean;
  private readonly intervalMs: number;

  constructor(
    private readonly plan: RolloutPlan,
    private readonly progress: RolloutProgress,
    private readonly clock: WorkflowClock,
  ) {
    this.intervalMs = durationToMs(plan.guard.interval)!;
    // A resumed run (continue-as-new) is new code throughout.
    this.everyInterval = progress.guard.watching;
  }

  get watching(): boolean {
    return this.progress.guard.watching;
  }

  /** From the production-actors stage on the flag is on for production traffic: the guard watches from here. */
  startWatching(): void {
    this.everyInterval = patched(GUARD_WATCHES_EVERY_INTERVAL);
    this.progress.guard.watching = true;
    this.progress.guard.nextCheckAt = this.progress.now() + this.intervalMs;
  }

  /** The checks a wait of `kind` makes: every interval since the last check (any wait), or the recorded rollouts' rule. */
  cadence(kind: WaitKind): Cadence {
    if (!this.watching) return NEVER;
    if (this.everyInterval) {
      // check() moves nextCheckAt, whichever wait or step made the check.
      return { dueAt: () => this.progress.guard.nextCheckAt, windowMs: Math.min(this.intervalMs, MAX_WINDOW_MS), checked: () => undefined };
    }
    // Before: soaks unwatched; gates every interval or approvalTimeout / 100, whichever is longer; verification every interval.
    const gateEveryMs = Math.max(this.intervalMs, durationToMs(this.plan.approvalTimeout)! / LEGACY_CHECKS_PER_GATE);
    const everyMs = kind === 'gate' ? gateEveryMs : kind === 'verification' ? this.intervalMs : null;
    if (everyMs === null) return NEVER;
    let next = this.progress.now() + everyMs;
    return { dueAt: () => next, windowMs: Math.min(everyMs, MAX_WINDOW_MS), checked: () => (next = this.progress.now() + everyMs) };
  }

  /** False only for rollouts recorded before the guard watched every wait (GUARD_WATCHES_EVERY_INTERVAL). */
  get watchesEveryInterval(): boolean {
    return this.everyInterval;
  }

  /** A check while waiting, at the current percentage; over budget throws RollbackRequested. */
  async watch(ctx: RolloutContext, cadence: Cadence): Promise<void> {
    await this.check(this.progress.percentage, null, cadence.windowMs);
    cadence.checked();
    if (this.isBlind()) await this.askIfBlind(ctx);
  }

  /** The reading that ends verification: it must succeed (a failed one is read again every interval). */
  async finalCheck(ctx: RolloutContext): Promise<void> {
    let record = await this.check(this.progress.percentage, null, this.intervalMs);
    while (record.verdict === 'unreadable') {
      await waitUntil(ctx, this.progress.now() + this.intervalMs, { kind: 'verification', summary: 'verification: reading the volume again', endsWithCheck: true });
      this.progress.throwIfAborted();
      record = await this.check(this.progress.percentage, null, this.intervalMs);
      if (this.isBlind()) await this.askIfBlind(ctx);
    }
  }

  /** True when readings have failed for longer than `guard.inconclusiveWait` (since the last approved review) and no gate is open. */
  private isBlind(): boolean {
    const { unreadableSince: since, reviewedAt } = this.progress.guard;
    if (!this.everyInterval || since === null || this.progress.pendingGate !== null) return false;
    // A person who approved a volume-review since then has accepted the blindness for another inconclusiveWait.
    return this.progress.now() - Math.max(since, reviewedAt ?? 0) >= durationToMs(this.plan.guard.inconclusiveWait)!;
  }

  /**
   * When readings have failed for longer than `guard.inconclusiveWait` and no gate is open, asks at `volume-review`:
   * approve goes on without readings for another `inconclusiveWait`, reject rolls back. An outage alone never rolls back.
   */
  private async askIfBlind(ctx: RolloutContext): Promise<void> {
    const since = this.progress.guard.unreadableSince!;
    const why = `the guard could not read the Snowplow volume since ${new Date(since).toISOString()}; approve to go on without it for another ${this.plan.guard.inconclusiveWait}, reject to roll back`;
    this.progress.record({ stage: this.progress.stage, action: why, percentage: this.progress.percentage });
    await gate(ctx, 'volume-review', why);
  }

  /** One reading and decision; throws RollbackRequested when over budget. A failed reading is recorded as unreadable. */
  async check(percentage: number, nextPercentage: number | null, windowMs: number): Promise<GuardRecord> {
    const windowSeconds = guardWindowSeconds(windowMs);
    const request = { flag: this.plan.flag, windowSeconds };
    const summary = `read Snowplow volume for ${this.plan.flag}`;
    const context = { budgetPerDay: this.plan.guard.budgetPerDay, minSample: this.plan.guard.minSample, percentage, nextPercentage };
    let record: GuardRecord | undefined;
    if (this.everyInterval) {
      let reading: VolumeReading | undefined;
      try {
        reading = await this.clock.local(() => guardReads(summary).readEventVolume(request));
      } catch (error) {
        if (isCancellation(error)) throw error;
        record = unreadable(percentage, nextPercentage, this.plan.guard.budgetPerDay, error);
      }
      record ??= decideGuard(reading!, { ...context, projectCurrentRate: true });
      this.progress.guard.nextCheckAt = this.progress.now() + this.intervalMs;
    } else {
      record = decideGuard(await legacyGuardReads(summary).readEventVolume(request), { ...context, projectCurrentRate: false });
    }
    this.progress.recordGuard(record);
    if (record.verdict === 'over-budget') throw new RollbackRequested('guard-breach', `Snowplow volume over budget: ${record.reason}`);
    return record;
  }

  /**
   * Before going from `percentage` to `nextPercentage`: proceeds when the projection is within budget; on a projected
   * breach holds for a `volume-review` decision or rolls back (plan); when inconclusive or unreadable, re-reads every
   * interval until `inconclusiveWait` has passed (an end kept across continue-as-new), then asks at `volume-review`.
   */
  async clearNextStep(ctx: RolloutContext, stepId: string, percentage: number, nextPercentage: number, windowMs: number): Promise<void> {
    const review = async (why: string) => {
      this.progress.record({ stage: 'ramp', action: why, percentage });
      await gate(ctx, 'volume-review', why);
    };
    if (this.progress.pendingGate?.name === 'volume-review') {
      await gate(ctx, 'volume-review'); // resumed after continue-as-new: the question stands
      return;
    }
    // Read again each time: a resume moves it by the time paused.
    const giveUpAt = () => this.progress.deadline(`${stepId}:inconclusive`, durationToMs(this.plan.guard.inconclusiveWait) ?? 0);
    giveUpAt();
    const { onProjectedBreach } = this.plan.guard;
    let decision = await this.check(percentage, nextPercentage, windowMs);
    while (clearanceAfter(decision.verdict, onProjectedBreach, this.progress.now() < giveUpAt()) === 'read-again') {
      const until = Math.min(this.progress.now() + this.intervalMs, giveUpAt());
      await waitUntil(ctx, until, { kind: 'plain', summary: `guard: waiting for traffic at ${percentage}%`, endsWithCheck: true });
      this.progress.throwIfAborted();
      decision = await this.check(percentage, nextPercentage, reReadWindowMs(windowMs, this.intervalMs));
    }
    const clearance = clearanceAfter(decision.verdict, onProjectedBreach, false);
    if (clearance === 'go-on') return;
    if (clearance === 'roll-back') {
      throw new RollbackRequested('projected-breach', `stopped before ${nextPercentage}%: ${decision.reason}`);
    }
    if (decision.verdict === 'projected-over-budget') {
      return review(`guard holds at ${percentage}%: ${decision.reason}; approve to go on anyway, reject to roll back`);
    }
    const what = decision.verdict === 'unreadable' ? 'could not read the volume' : 'inconclusive';
    return review(`guard ${what} after ${this.plan.guard.inconclusiveWait}: ${decision.reason}; approve to go to ${nextPercentage}% anyway, reject to roll back`);
  }
}

function unreadable(percentage: number, nextPercentage: number | null, budgetPerDay: number, error: unknown): UnreadableCheck {
  // A local activity's failure arrives as its cause (an ApplicationFailure), a timed-out one as a TimeoutFailure.
  const detail = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : error instanceof Error ? error.message : String(error);
  return { at: new Date().toISOString(), verdict: 'unreadable', percentage, nextPercentage, budgetPerDay, reason: `could not read the Snowplow counters: ${detail}` };
}
