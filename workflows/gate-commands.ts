// The exact CLI commands that decide a gate: shown in the UI's current details and sent with notifications.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { GateName } from './rollout-status';

/** `rollout approve …` and `rollout reject …` for `gate` of `plan`'s rollout, with the readiness items where needed. */
export function gateCommands(plan: Pick<RolloutPlan, 'flag' | 'readiness'>, gate: GateName): string[] {
  const confirm = gate === 'global-readiness' && plan.readiness.length > 0 ? ` --confirm ${plan.readiness.join(',')}` : '';
  return [
    `rollout approve ${plan.flag} --gate ${gate} --by <you>${confirm} --comment "…"`,
    `rollout reject ${plan.flag} --gate ${gate} --by <you> --reason "…"`,
  ];
}
