// What the rollout's stages share: the plan, the state, the flag changes and the volume guard of this run.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { FlagChanges } from './flag-changes';
import type { RolloutProgress } from './rollout-progress';
import type { VolumeGuard } from './volume-guard';

export interface RolloutContext {
  plan: RolloutPlan;
  progress: RolloutProgress;
  flags: FlagChanges;
  guard: VolumeGuard;
}
