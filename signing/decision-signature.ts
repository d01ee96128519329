// What a signed rollout decision covers, its canonical bytes and their Ed25519 check; pure JS, safe in workflow code.
//
// The CLI signs (signing/sign-decision.ts, Node crypto) and the workflow verifies with this module, which uses no Node
// built-ins, no Buffer and no atob: @noble/curves and @scure/base only, so webpack bundles it into the V8 sandbox.
import { ed25519 } from '@noble/curves/ed25519';
import { base64, utf8 } from '@scure/base';
import { parsePublicKey, rawPublicKey } from './parse-public-key';

export { parsePublicKey, PUBLIC_KEY_FORMATS, type ParsedPublicKey } from './parse-public-key';

/** The messages a person signs. */
export const DECISION_KINDS = ['approve', 'reject', 'abort', 'pause', 'resume', 'cleanup'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** Everything a signature covers: the message's fields plus which rollout (flag and first run id) and when. */
export interface SignedDecision {
  flag: string;
  /** The rollout's first execution run id: stable across continue-as-new, different for the next rollout of the flag. */
  run: string;
  kind: DecisionKind;
  gate: string | null;
  by: string;
  /** The comment (approve) or the reason (reject, abort, pause, resume); null when there is none. */
  text: string | null;
  /** Readiness items confirmed (approve), in the order sent; [] otherwise. */
  confirmed: string[];
  /** When it was signed, ISO 8601 UTC with milliseconds (`Date.prototype.toISOString`). */
  signedAt: string;
  nonce: string;
}

/** The `signature` field of an approve, reject, abort, pause or resume payload. */
export interface DecisionSignature {
  signedAt: string;
  nonce: string;
  /** The Ed25519 signature of canonicalDecisionBytes, standard base64 with padding (88 characters). */
  value: string;
}

/** The one definition of what a signature's nonce and time must be. */
export const SIGNATURE_RULES = {
  /** Random, unique per decision: the workflow refuses a nonce it has already taken. */
  nonce: /^[A-Za-z0-9_-]{16,64}$/,
  nonceRule: 'must be 16–64 characters of base64url (letters, digits, "_" and "-")',
  signedAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  signedAtRule: 'must be an ISO 8601 UTC time with milliseconds, e.g. 2025-03-01T09:30:00.000Z',
  /** How far ahead of the workflow's clock a signature may be dated (the signer's clock runs fast). */
  maxSkewMs: 2 * 60_000,
  /** How old a signature may be when the workflow takes it; nonces need remembering only this long (+ skew). */
  maxAgeMs: 15 * 60_000,
  /** Longest signature value accepted (base64 of 64 bytes is 88 characters). */
  valueMaxLength: 200,
} as const;

/** Versioned domain separation: a signature over these bytes means nothing in any other protocol or version. */
export const CANONICAL_DECISION_PREFIX = 'rollout-decision-v1\n';

/**
 * The bytes that are signed: the prefix, then JSON of the fields in a fixed order (JSON escaping keeps every field
 * unambiguous). Throws TypeError when a field has the wrong type.
 */
export function canonicalDecisionBytes(d: SignedDecision): Uint8Array {
  const problem = decisionShapeProblem(d);
  if (problem !== null) throw new TypeError(`not a signed decision: ${problem}`);
  const fields = {
    flag: d.flag,
    run: d.run,
    kind: d.kind,
    gate: d.gate,
    by: d.by,
    text: d.text,
    confirmed: [...d.confirmed],
    signedAt: d.signedAt,
    nonce: d.nonce,
  };
  return utf8.decode(CANONICAL_DECISION_PREFIX + JSON.stringify(fields));
}

/**
 * Whether `signatureB64` is `publicKey`'s Ed25519 signature of the decision (strict RFC 8032 rules: no malleable
 * signatures, no small-order keys). `publicKey` is any text parsePublicKey accepts. Never throws.
 */
export function verifyDecisionSignature(d: SignedDecision, signatureB64: string, publicKey: string): boolean {
  try {
    if (typeof signatureB64 !== 'string' || signatureB64.length > SIGNATURE_RULES.valueMaxLength) return false;
    const key = parsePublicKey(publicKey);
    if (!key.ok) return false;
    const raw = rawPublicKey(key.key);
    const signature = base64.decode(signatureB64);
    if (raw === null || signature.length !== 64) return false;
    return ed25519.verify(signature, canonicalDecisionBytes(d), raw, { zip215: false });
  } catch {
    return false;
  }
}

/** Why a signature's time cannot be taken at workflow time `nowMs`, or null when it is within the window. */
export function signatureTimeProblem(signedAt: string, nowMs: number): string | null {
  if (typeof signedAt !== 'string' || !SIGNATURE_RULES.signedAt.test(signedAt) || !Number.isFinite(Date.parse(signedAt))) {
    return `signature.signedAt ${SIGNATURE_RULES.signedAtRule}`;
  }
  const ageMs = nowMs - Date.parse(signedAt);
  if (-ageMs > SIGNATURE_RULES.maxSkewMs) {
    return (
      `the signature is dated ${signedAt}, ${Math.round(-ageMs / 1000)} s ahead of the rollout's clock ` +
      `(at most ${SIGNATURE_RULES.maxSkewMs / 1000} s): check the signer's clock and sign again`
    );
  }
  if (ageMs > SIGNATURE_RULES.maxAgeMs) {
    return (
      `the signature is dated ${signedAt}, ${Math.round(ageMs / 60_000)} min before the rollout took it ` +
      `(at most ${SIGNATURE_RULES.maxAgeMs / 60_000} min): sign and send it again`
    );
  }
  return null;
}

/** Why a nonce is malformed, or null. (Whether it was used before is the workflow's to remember.) */
export function nonceProblem(nonce: string): string | null {
  return typeof nonce === 'string' && SIGNATURE_RULES.nonce.test(nonce) ? null : `signature.nonce ${SIGNATURE_RULES.nonceRule}`;
}

/**
 * Why a signed decision cannot be taken at workflow time `nowMs` with `publicKey` (the signer's key from the plan),
 * or null when the nonce is well-formed, the time is within the window and the signature verifies. Never throws.
 * The caller still refuses a nonce it has already taken.
 */
export function decisionSignatureProblem(d: SignedDecision, signatureB64: string, publicKey: string, nowMs: number): string | null {
  const problem = nonceProblem(d.nonce) ?? signatureTimeProblem(d.signedAt, nowMs);
  if (problem !== null) return problem;
  if (!verifyDecisionSignature(d, signatureB64, publicKey)) {
    return `the signature does not verify with ${d.by}'s public key: it was made with another key, or for other fields, another rollout of ${d.flag} or another message`;
  }
  return null;
}

/** The payload fields a decision's signature covers, as the approve/reject/abort/pause/resume schemas define them. */
export interface DecisionPayload {
  gate?: string;
  by: string;
  comment?: string;
  reason?: string;
  /** cleanup: the flag-removal merge request. */
  mr?: string;
  confirmed?: readonly string[];
}

/**
 * The one mapping from a message payload to what its signature covers; the CLI signs it and the workflow verifies it.
 * `flag` and `run` identify the rollout (the workflow's own plan flag and `workflowInfo().firstExecutionRunId`).
 */
export function signedDecisionOf(
  kind: DecisionKind,
  rollout: { flag: string; run: string },
  payload: DecisionPayload,
  signature: Pick<DecisionSignature, 'signedAt' | 'nonce'>,
): SignedDecision {
  return {
    flag: rollout.flag,
    run: rollout.run,
    kind,
    gate: payload.gate ?? null,
    by: payload.by,
    text: (kind === 'approve' ? payload.comment : kind === 'cleanup' ? payload.mr : payload.reason) ?? null,
    confirmed: [...(payload.confirmed ?? [])],
    signedAt: signature.signedAt,
    nonce: signature.nonce,
  };
}

/** What is wrong with a decision's field types, or null. */
function decisionShapeProblem(d: SignedDecision): string | null {
  if (typeof d !== 'object' || d === null) return 'must be an object';
  for (const field of ['flag', 'run', 'by', 'signedAt', 'nonce'] as const) {
    if (typeof d[field] !== 'string') return `${field} must be a string`;
  }
  if (!(DECISION_KINDS as readonly unknown[]).includes(d.kind)) return `kind must be one of ${DECISION_KINDS.join(', ')}`;
  if (d.gate !== null && typeof d.gate !== 'string') return 'gate must be a string or null';
  if (d.text !== null && typeof d.text !== 'string') return 'text must be a string or null';
  if (!Array.isArray(d.confirmed) || !d.confirmed.every((item) => typeof item === 'string')) return 'confirmed must be a list of strings';
  return null;
}
