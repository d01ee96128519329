// Applies a rollout's flag changes through activities and keeps, per touched environment, what to restore on rollback.
import { sameGates, type FlagChange } from '../flags/flag-gates';
import type { Environment } from '../flags/environments';
import type { AppliedChange } from '../flags/flag-store';
import type { RolloutPlan } from '../plan/rollout-plan';
import { forwardActivities, rollbackActivities } from './activity-proxies';
import type { RolloutProgress } from './rollout-progress';
import type { TouchedEnvironment } from './rollout-snapshot';

export class FlagChanges {
  constructor(
    private readonly plan: RolloutPlan,
    private readonly progress: RolloutProgress,
  ) {}

  /**
   * Applies `change`. Before an environment's first change it is recorded as touched (so a change written by an
   * attempt whose result was lost is still undone); the gates the store reports before that first change are kept in
   * the workflow state — the rollback's own copy — and the gates after every change, to spot hand-made changes later.
   */
  async apply(environment: Environment, change: FlagChange, summary: string): Promise<AppliedChange> {
    const flags = this.progress.flags;
    const changeId = `${flags.changeIdPrefix}/${++flags.sequence}`;
    let entry = flags.touched.find((t) => t.environment === environment);
    if (!entry) {
      entry = { environment, firstChangeId: changeId, before: null, beforeKnown: false, written: null, writtenKnown: false };
      flags.touched.push(entry);
    }
    entry.writtenKnown = false;
    const result = await forwardActivities(this.plan, summary).applyFlagChange({ flag: this.plan.flag, environment, change, changeId });
    if (entry.firstChangeId === changeId) {
      entry.before = result.previous;
      entry.beforeKnown = true;
    }
    entry.written = result.current;
    entry.writtenKnown = true;
    if (environment === 'production') this.progress.notice('production-change', `${summary} (done)`, { environment, ...percentageOf(change) });
    return result;
  }

  /** Restores every touched environment, newest first; one failure does not stop the rest. Returns the failed ones. */
  async rollback(): Promise<Environment[]> {
    const failed: Environment[] = [];
    for (const entry of [...this.progress.touched()].reverse()) {
      try {
        await this.restore(entry);
      } catch {
        failed.push(entry.environment);
      }
    }
    return failed;
  }

  private async restore(entry: TouchedEnvironment): Promise<void> {
    const { environment } = entry;
    const result = await rollbackActivities(`restore ${this.plan.flag} on ${environment}`).revertFlagChange({
      flag: this.plan.flag,
      environment,
      changeId: entry.firstChangeId,
      ...(entry.beforeKnown ? { before: entry.before } : {}),
    });
    this.progress.record({
      stage: 'rollback',
      action: result.reverted ? 'restored previous gates' : 'nothing to restore (change was never applied)',
      environment,
      gates: result.gates,
    });
    if (result.reverted && entry.writtenKnown && result.found !== undefined && !sameGates(result.found, entry.written)) {
      this.progress.recordOverwritten({ environment, expected: entry.written, found: result.found, restored: result.gates });
      this.progress.record({
        stage: 'rollback',
        action: `overwrote a change made by hand during the rollout (found ${JSON.stringify(result.found)}, the rollout had written ${JSON.stringify(entry.written)})`,
        environment,
      });
    }
  }
}

function percentageOf(change: FlagChange): { percentage?: number } {
  return change.kind === 'percentage' ? { percentage: change.value } : change.kind === 'boolean' && change.value ? { percentage: 100 } : {};
}
