// Applies a rollout's flag changes through activities and keeps the undo of each touched environment.
import { workflowInfo } from '@temporalio/workflow';
import type { Environment } from '../flags/environments';
import type { FlagChange } from '../flags/flag-gates';
import { forward, forwardOptions, rollback, rollbackOptions } from './activity-proxies';
import type { CompensationStack } from './compensation-stack';
import type { RolloutProgress } from './rollout-progress';

export class FlagChanges {
  private sequence = 0;
  private readonly touched = new Set<Environment>();

  constructor(
    private readonly flag: string,
    private readonly progress: RolloutProgress,
    private readonly compensations: CompensationStack,
  ) {}

  /** Applies `change`; before an environment's first change, pushes its undo (so a change written by a failed attempt is undone too). */
  async apply(environment: Environment, change: FlagChange, summary: string): Promise<void> {
    const { workflowId, runId } = workflowInfo();
    const changeId = `${workflowId}/${runId}/${++this.sequence}`;
    if (!this.touched.has(environment)) {
      this.touched.add(environment);
      this.compensations.push(`restore ${environment}`, () => this.revert(environment, changeId));
    }
    await forward.applyFlagChange.executeWithOptions(forwardOptions(summary), [{ flag: this.flag, environment, change, changeId }]);
  }

  private async revert(environment: Environment, changeId: string): Promise<void> {
    const result = await rollback.revertFlagChange.executeWithOptions(rollbackOptions(`restore ${this.flag} on ${environment}`), [
      { flag: this.flag, environment, changeId },
    ]);
    this.progress.record({
      stage: 'rollback',
      action: result.reverted ? 'restored previous gates' : 'nothing to restore (change was never applied)',
      environment,
      gates: result.gates,
    });
  }
}
