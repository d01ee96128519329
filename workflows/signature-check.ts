// Checks a decision's Ed25519 signature against the plan's key for its sender: deterministic, so replays agree.
import type { RolloutPlan } from '../plan/rollout-plan';
import { sameUsername } from '../plan/username';
import { decisionSignatureProblem, signedDecisionOf } from '../signing/decision-signature';
import type { MessageKind, MessagePayloads } from './message-schemas';

/** What a signature is checked against: the plan's keys, this rollout's flag and first run, the workflow's clock. */
export interface SignatureContext {
  plan: Pick<RolloutPlan, 'flag' | 'signing'>;
  /** The rollout's first run id (it stays the same across continue-as-new). */
  run: string;
  now: number;
  nonceSeen(nonce: string): boolean;
}

export type SignatureVerdict = { ok: true; nonce: string | null } | { ok: false; reason: string; nonce: string | null };

/** Keyless plans take names on trust; otherwise the message must be signed, fresh, unseen, by the sender's own key. */
export function checkSignature(kind: MessageKind, message: MessagePayloads[MessageKind], context: SignatureContext): SignatureVerdict {
  const { plan } = context;
  if (plan.signing.mode === 'keyless') return { ok: true, nonce: null };
  const signature = message.signature;
  if (!signature) {
    return { ok: false, nonce: null, reason: 'unsigned: this rollout takes only decisions signed with the sender\'s key (the rollout CLI signs them; see "Signed decisions" in the README)' };
  }
  const key = Object.entries(plan.signing.keys).find(([name]) => sameUsername(name, message.by))?.[1];
  if (key === undefined) return { ok: false, nonce: null, reason: `the plan has no public key for ${message.by}, so ${message.by} cannot sign decisions for this rollout` };
  const fields = signedDecisionOf(kind, { flag: plan.flag, run: context.run }, message, signature);
  const problem = decisionSignatureProblem(fields, signature.value, key, context.now);
  if (problem !== null) return { ok: false, nonce: null, reason: problem };
  if (context.nonceSeen(fields.nonce)) return { ok: false, nonce: null, reason: `nonce ${fields.nonce} was used before: a replayed message` };
  return { ok: true, nonce: fields.nonce };
}
