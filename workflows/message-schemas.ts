// The one schema of approve, reject, abort, pause and resume payloads: the CLI checks with it before sending, the workflow on receipt.
import { z } from 'zod';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import { DECISION_KINDS, SIGNATURE_RULES } from '../signing/decision-signature';
import { usernameSchema } from '../plan/username';
import { GATES } from './rollout-status';
import { hasUnsafeCharacters } from './safe-text';

/** Longest comment (approve) or reason (reject, abort) a message may carry. */
export const MESSAGE_TEXT_MAX_LENGTH = 2000;
/** Longest client-chosen message id. */
export const MESSAGE_ID_MAX_LENGTH = 100;

function textSchema(what: string, required: boolean) {
  const rule = `${what}: ${required ? '1' : '0'}–${MESSAGE_TEXT_MAX_LENGTH} characters on one line, no control characters`;
  const base = z.string({ error: `must be text (${rule})` });
  return (required ? base.trim().min(1, `is required (${rule})`) : base)
    .max(MESSAGE_TEXT_MAX_LENGTH, `is too long: at most ${MESSAGE_TEXT_MAX_LENGTH} characters`)
    .refine((text) => !hasUnsafeCharacters(text), 'contains control characters (newlines, escape sequences, bidi overrides); send one line of plain text');
}

const gateSchema = z.enum(GATES, { error: `must be one of ${GATES.join(', ')}` });
const idSchema = z
  .string({ error: 'must be a string' })
  .regex(new RegExp(`^[A-Za-z0-9_.:-]{1,${MESSAGE_ID_MAX_LENGTH}}$`), `must be 1–${MESSAGE_ID_MAX_LENGTH} letters, digits, "_", ".", ":" or "-"`);
const confirmedSchema = z
  .array(z.enum(READINESS_ITEM_IDS, { error: `must be a readiness item: one of ${READINESS_ITEM_IDS.join(', ')}` }), {
    error: `must be a list of readiness items, e.g. ["milestone", "docs"]`,
  })
  .max(READINESS_ITEM_IDS.length, `lists at most ${READINESS_ITEM_IDS.length} items`);

/**
 * The sender's Ed25519 signature of the decision (see signing/decision-signature.ts for the signed bytes): when it was
 * signed, a one-time nonce, and the signature. The workflow checks it against the plan's key for `by`.
 */
const signatureSchema = z.strictObject(
  {
    signedAt: z.string({ error: SIGNATURE_RULES.signedAtRule }).regex(SIGNATURE_RULES.signedAt, SIGNATURE_RULES.signedAtRule),
    nonce: z.string({ error: SIGNATURE_RULES.nonceRule }).regex(SIGNATURE_RULES.nonce, SIGNATURE_RULES.nonceRule),
    value: z
      .string({ error: 'must be base64 text' })
      .max(SIGNATURE_RULES.valueMaxLength, `is too long: at most ${SIGNATURE_RULES.valueMaxLength} characters`)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 text'),
  },
  { error: 'must be an object {signedAt, nonce, value}' },
);

export const approvalSchema = z.strictObject({
  gate: gateSchema,
  by: usernameSchema,
  comment: textSchema('a comment', false).optional(),
  confirmed: confirmedSchema.optional(),
  id: idSchema.optional(),
  signature: signatureSchema.optional(),
});

export const rejectionSchema = z.strictObject({
  gate: gateSchema,
  by: usernameSchema,
  reason: textSchema('a reason', true),
  id: idSchema.optional(),
  signature: signatureSchema.optional(),
});

export const abortSchema = z.strictObject({
  by: usernameSchema,
  reason: textSchema('a reason', true),
  id: idSchema.optional(),
  signature: signatureSchema.optional(),
});

/** `group/project!123`: the flag-removal merge request that `cleanup` names. */
export const MERGE_REQUEST_REFERENCE_PATTERN = /^([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)!(\d+)$/;

/** cleanup: who names the flag-removal merge request; the cleanup stage waits for it to be deployed everywhere. */
export const cleanupSchema = z.strictObject({
  by: usernameSchema,
  mr: z
    .string({ error: 'must be a merge request reference like gitlab-org/gitlab!123' })
    .regex(MERGE_REQUEST_REFERENCE_PATTERN, 'must be a merge request reference like gitlab-org/gitlab!123'),
  id: idSchema.optional(),
  signature: signatureSchema.optional(),
});

/** pause and resume: who, why; the rollout holds where it is (pause) or goes on (resume). */
export const pauseSchema = abortSchema;

export type Approval = z.output<typeof approvalSchema>;
export type Rejection = z.output<typeof rejectionSchema>;
export type AbortRequest = z.output<typeof abortSchema>;
export type PauseRequest = z.output<typeof pauseSchema>;
export type CleanupRequest = z.output<typeof cleanupSchema>;

/** The messages people send: each one a decision they sign. */
export const MESSAGE_KINDS = DECISION_KINDS;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export interface MessagePayloads {
  approve: Approval;
  reject: Rejection;
  abort: AbortRequest;
  pause: PauseRequest;
  resume: PauseRequest;
  cleanup: CleanupRequest;
}

const SCHEMAS = { approve: approvalSchema, reject: rejectionSchema, abort: abortSchema, pause: pauseSchema, resume: pauseSchema, cleanup: cleanupSchema } as const;

/** An example payload per message, for error messages and the UI's signal descriptions. */
export const MESSAGE_EXAMPLES: Record<MessageKind, string> = {
  approve: '{"gate":"staging-qa","by":"alice","comment":"QA passed"}',
  reject: '{"gate":"staging-qa","by":"alice","reason":"QA found a bug"}',
  abort: '{"by":"alice","reason":"error rate up"}',
  pause: '{"by":"alice","reason":"incident in progress"}',
  resume: '{"by":"alice","reason":"incident resolved"}',
  cleanup: '{"by":"alice","mr":"gitlab-org/gitlab!123"}',
};

export type ParsedMessage<K extends MessageKind> = { ok: true; message: MessagePayloads[K] } | { ok: false; problems: string[] };

/** Checks one payload against its message's schema; never throws. Problems name the field and what is allowed. */
export function parseMessage<K extends MessageKind>(kind: K, payload: unknown): ParsedMessage<K> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || ArrayBuffer.isView(payload)) {
    return { ok: false, problems: [`the payload must be one JSON object like ${MESSAGE_EXAMPLES[kind]}, got ${describeKind(payload)}`] };
  }
  const result = SCHEMAS[kind].safeParse(payload);
  if (result.success) return { ok: true, message: result.data as MessagePayloads[K] };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; allowed: ${Object.keys(SCHEMAS[kind].shape).join(', ')}`;
      const field = issue.path.map(String).join('.') || 'payload';
      const missing = issue.path.length === 1 && (payload as Record<string, unknown>)[String(issue.path[0])] === undefined;
      return `${field}: ${missing ? 'is required; ' : ''}${issue.message}`;
    }),
  };
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'no payload';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  return `a ${typeof value}`;
}
