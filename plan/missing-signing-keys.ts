// Which approvers of a plan that requires signed decisions have no public key, so could never approve.
import type { RolloutPlan } from './rollout-plan';
import { sameUsername } from './username';

/** The approvers without a key in `plan.signing.keys` (none for keyless plans). */
export function missingSigningKeys(plan: Pick<RolloutPlan, 'approvers' | 'signing'>): string[] {
  if (plan.signing.mode === 'keyless') return [];
  const keyed = Object.keys(plan.signing.keys);
  return plan.approvers.filter((name) => !keyed.some((key) => sameUsername(key, name)));
}

/** What `rollout start` says when approvers have no key. */
export function missingSigningKeysProblem(missing: string[]): string {
  return (
    `signing.keys has no public key for approver${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, so they could never approve: ` +
    'add their keys to the plan or pass a keyring (`rollout start --keyring keyring.yaml`; `rollout keys generate --name <user>` prints a key), ' +
    'or set signing.mode: keyless in the plan to take names on trust'
  );
}
