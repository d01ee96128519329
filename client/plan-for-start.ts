// The plan a `rollout start` sends: the keyring's public keys added, and refused when an approver could never sign.
import { missingSigningKeys, missingSigningKeysProblem } from '../plan/missing-signing-keys';
import type { RolloutPlan } from '../plan/rollout-plan';
import { sameUsername } from '../plan/username';
import { loadKeyring } from '../signing/keyring';
import { UsageError } from './cli-errors';

/**
 * Adds the keyring's key of each person the plan names (requester, approvers, operators) unless the plan lists one
 * itself; a plan key and a different keyring key for the same person is an error. Then checks every approver has a key.
 */
export function planForStart(plan: RolloutPlan, keyringFile: string | undefined): RolloutPlan {
  let keys = plan.signing.keys;
  if (keyringFile && plan.signing.mode === 'required') {
    const keyring = loadKeyring(keyringFile);
    const people = [plan.requester, ...plan.approvers, ...plan.operators];
    keys = { ...keys };
    for (const [name, key] of Object.entries(keyring.keys)) {
      const person = people.find((p) => sameUsername(p, name));
      if (person === undefined) continue; // only the plan's people go into its history
      const planned = Object.entries(keys).find(([n]) => sameUsername(n, name));
      if (planned === undefined) keys[person] = key;
      else if (planned[1] !== key) {
        throw new UsageError(`the plan's key for ${planned[0]} differs from the keyring's (${keyring.source}); remove one of them`);
      }
    }
  }
  const withKeys = { ...plan, signing: { ...plan.signing, keys } };
  const missing = missingSigningKeys(withKeys);
  if (missing.length > 0) throw new UsageError(missingSigningKeysProblem(missing));
  return withKeys;
}
