// Signs a rollout decision with Node's crypto (Ed25519); the workflow verifies with signing/decision-signature.ts instead.
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalDecisionBytes, type SignedDecision } from './decision-signature';

/** A fresh random nonce: 24 random bytes as base64url (32 characters, within SIGNATURE_RULES.nonce). */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** The Ed25519 signature of the decision's canonical bytes, as standard base64. */
export function signDecision(decision: SignedDecision, privateKey: KeyObject): string {
  return sign(null, canonicalDecisionBytes(decision), privateKey).toString('base64');
}
