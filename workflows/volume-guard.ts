// The event-volume guard inside the workflow: reads through an activity, decides with a pure rule, acts on the verdict.
import { msToNumber } from '@temporalio/common/lib/time';
import type { GuardPlan } from '../plan/rollout-plan';
import { decideGuard, type GuardDecision } from '../volume/guard-decision';
import { forward, forwardOptions } from './activity-proxies';
import { RollbackRequested } from './rollback-requested';
import type { RolloutProgress } from './rollout-progress';
import { gate, waitUnlessAborted, type GateWatch } from './waits';

const MAX_WINDOW_MS = 3_600_000;
/** A gate is watched at most this many times before its deadline, so long deadlines keep the history small. */
export const MAX_CHECKS_PER_GATE = 100;

export class VolumeGuard {
  constructor(
    private readonly flag: string,
    private readonly guard: GuardPlan,
    private readonly approvalTimeout: Parameters<typeof gate>[2],
    private readonly progress: RolloutProgress,
  ) {}

  /**
   * Keeps watching today's count while a gate waits once production is touched: the flag is on for real traffic
   * there, and over budget must roll back whoever is (not) deciding. Every guard interval, or less often for long
   * deadlines (at most MAX_CHECKS_PER_GATE checks per gate).
   */
  watchDuringGate(): GateWatch {
    const everyMs = Math.max(msToNumber(this.guard.interval), msToNumber(this.approvalTimeout) / MAX_CHECKS_PER_GATE);
    return { everyMs, run: () => this.check(this.progress.currentPercentage, null, Math.min(everyMs, MAX_WINDOW_MS)) };
  }

  /** One reading and decision; throws RollbackRequested when today's count is over budget. */
  async check(percentage: number, nextPercentage: number | null, windowMs: number): Promise<GuardDecision> {
    const windowSeconds = Math.max(1, Math.round(Math.min(windowMs, MAX_WINDOW_MS) / 1000));
    const reading = await forward.readEventVolume.executeWithOptions(forwardOptions(`read Snowplow volume for ${this.flag}`), [
      { flag: this.flag, windowSeconds },
    ]);
    const decision = decideGuard(reading, { budgetPerDay: this.guard.budgetPerDay, minSample: this.guard.minSample, percentage, nextPercentage });
    this.progress.recordGuardDecision(decision);
    if (decision.verdict === 'over-budget') throw new RollbackRequested('guard-breach', `Snowplow volume over budget: ${decision.reason}`);
    return decision;
  }

  /**
   * Before going from `percentage` to `nextPercentage`: proceeds when the projection is within budget; on a projected
   * breach holds for a `volume-review` decision or rolls back (plan); when inconclusive, re-reads every interval for up
   * to `inconclusiveWait`, then asks at `volume-review`.
   */
  async clearNextStep(percentage: number, nextPercentage: number, windowMs: number): Promise<void> {
    const giveUpAt = Date.now() + msToNumber(this.guard.inconclusiveWait);
    const interval = msToNumber(this.guard.interval);
    let decision = await this.check(percentage, nextPercentage, windowMs);
    while (decision.verdict === 'inconclusive' && Date.now() < giveUpAt) {
      await waitUnlessAborted(this.progress, Math.min(interval, giveUpAt - Date.now()), `guard: waiting for traffic at ${percentage}%`);
      decision = await this.check(percentage, nextPercentage, Math.max(windowMs, interval));
    }
    if (decision.verdict === 'within-budget') return;
    if (decision.verdict === 'projected-over-budget' && this.guard.onProjectedBreach === 'rollback') {
      throw new RollbackRequested('projected-breach', `stopped before ${nextPercentage}%: ${decision.reason}`);
    }
    const why =
      decision.verdict === 'inconclusive'
        ? `guard inconclusive after ${this.guard.inconclusiveWait}: ${decision.reason}; approve to go to ${nextPercentage}% anyway, reject to roll back`
        : `guard holds at ${percentage}%: ${decision.reason}; approve to go on anyway, reject to roll back`;
    this.progress.record({ stage: 'ramp', action: why, percentage });
    await gate(this.progress, 'volume-review', this.approvalTimeout, why, this.watchDuringGate());
  }
}
