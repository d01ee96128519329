// What the rollout's stages share: the plan, the state, the flag changes, the volume guard and the operator's view of this run.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { FlagChanges } from './flag-changes';
import type { OperatorView } from './operator-view';
import type { RolloutProgress } from './rollout-progress';
import type { VolumeGuard } from './volume-guard';
import type { WorkflowClock } from './workflow-clock';

export interface RolloutContext {
  plan: RolloutPlan;
  progress: RolloutProgress;
  flags: FlagChanges;
  guard: VolumeGuard;
  view: OperatorView;
  /** What every decision on time reads (progress.now is the same clock). */
  clock: WorkflowClock;
}
