// Fills the plan fields added after a rollout started, so a rollout recorded with an older plan runs on current code.
import { DEFAULT_OUTAGE_TOLERANCE, LEGACY_SIGNING, type RolloutPlan } from './rollout-plan';

/** The plan with defaults for fields its rollout's input may lack (it was validated when the rollout started). */
export function upgradePlan(plan: RolloutPlan): RolloutPlan {
  const recorded = plan as Partial<RolloutPlan> & Omit<RolloutPlan, 'operators' | 'outageTolerance' | 'signing' | 'gates'>;
  return {
    ...plan,
    operators: recorded.operators ?? [],
    outageTolerance: recorded.outageTolerance ?? DEFAULT_OUTAGE_TOLERANCE,
    // Plans from before signed decisions took names on trust; they keep doing so.
    signing: recorded.signing ?? LEGACY_SIGNING,
    gates: recorded.gates ?? {},
  };
}
