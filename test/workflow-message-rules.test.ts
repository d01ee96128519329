// The one check behind approve, reject and abort (signals and updates): schema, bounds, people and rollout position.
import { defaultPayloadConverter } from '@temporalio/common';
import { checkLegacyMessage } from '../workflows/legacy-message-rules';
import { checkMessage, type MessageContext } from '../workflows/message-rules';
import { MESSAGE_TEXT_MAX_LENGTH } from '../workflows/message-schemas';
import { isUndecodablePayload, payloadConverter } from '../workflows/payload-converter';

const plan: MessageContext['plan'] = {
  flag: 'some_flag',
  signing: { mode: 'keyless', keys: {} },
  gates: {},
  cleanup: undefined,
  requester: 'carol',
  approvers: ['alice', 'bob'],
  operators: ['oncall-sre'],
  readiness: ['milestone', 'docs'],
};

function at(gate: MessageContext['pendingGate'], more: Partial<MessageContext> = {}): MessageContext {
  return { plan, state: gate ? 'awaiting-approval' : 'running', stage: gate === 'volume-review' || gate === 'deployment' ? 'ramp' : (gate ?? 'ramp'), pendingGate: gate, hasDecision: false, abortRequested: false, ...more };
}

const refusal = (verdict: { ok: boolean; reason?: string }) => (verdict.ok ? 'accepted' : verdict.reason);

describe('approve', () => {
  it('accepts an approver at the pending gate, comparing usernames without case', () => {
    expect(checkMessage('approve', [{ gate: 'staging-qa', by: 'alice', comment: 'QA passed' }], at('staging-qa'))).toEqual({
      ok: true,
      message: { gate: 'staging-qa', by: 'alice', comment: 'QA passed' },
      nonce: null,
    });
    expect(checkMessage('approve', [{ gate: 'staging-qa', by: 'Alice' }], at('staging-qa')).ok).toBe(true);
  });

  it.each<[string, unknown[], MessageContext, RegExp]>([
    ['the requester (any case)', [{ gate: 'staging-qa', by: 'CAROL' }], at('staging-qa'), /CAROL requested this rollout and cannot approve it/],
    ['a stranger', [{ gate: 'staging-qa', by: 'mallory' }], at('staging-qa'), /mallory is not an approver of this rollout \(approvers: alice, bob\)/],
    ['an operator', [{ gate: 'staging-qa', by: 'oncall-sre' }], at('staging-qa'), /oncall-sre is not an approver/],
    ['another gate', [{ gate: 'production-qa', by: 'alice' }], at('staging-qa'), /gate production-qa is not pending; the pending gate is staging-qa/],
    ['no gate pending', [{ gate: 'staging-qa', by: 'alice' }], at(null), /no gate is pending \(stage ramp, state running\)/],
    ['a second decision', [{ gate: 'staging-qa', by: 'bob' }], at('staging-qa', { hasDecision: true }), /already has a decision/],
    ['during an abort', [{ gate: 'staging-qa', by: 'bob' }], at('staging-qa', { abortRequested: true }), /being aborted/],
    ['readiness items missing', [{ gate: 'global-readiness', by: 'alice', confirmed: ['docs'] }], at('global-readiness'), /readiness items not confirmed: milestone/],
    ['an unknown readiness item', [{ gate: 'global-readiness', by: 'alice', confirmed: ['milestone', 'qa'] }], at('global-readiness'), /confirmed\.1: must be a readiness item/],
    ['confirmed as a number', [{ gate: 'global-readiness', by: 'alice', confirmed: 5 }], at('global-readiness'), /confirmed: must be a list of readiness items/],
    ['confirmed as an object', [{ gate: 'global-readiness', by: 'alice', confirmed: {} }], at('global-readiness'), /confirmed: must be a list/],
    ['an unknown gate', [{ gate: 'prod', by: 'alice' }], at('staging-qa'), /gate: must be one of staging-qa, production-qa, global-readiness, volume-review/],
    ['no by', [{ gate: 'staging-qa' }], at('staging-qa'), /by: is required/],
    ['a by with a newline and ANSI codes', [{ gate: 'staging-qa', by: 'mallory\n\u001b[32mstaging-qa approved by alice' }], at('staging-qa'), /by: must be a GitLab username/],
    ['a 1 MB by', [{ gate: 'staging-qa', by: 'a'.repeat(1_000_000) }], at('staging-qa'), /by: must be a GitLab username.*at most 255 characters/],
    ['a comment with a control character', [{ gate: 'staging-qa', by: 'alice', comment: 'ok\u0007' }], at('staging-qa'), /comment: contains control characters/],
    ['a comment with a bidi override', [{ gate: 'staging-qa', by: 'alice', comment: 'ok \u202Edesrever' }], at('staging-qa'), /comment: contains control characters/],
    ['a comment over the limit', [{ gate: 'staging-qa', by: 'alice', comment: 'x'.repeat(MESSAGE_TEXT_MAX_LENGTH + 1) }], at('staging-qa'), /comment: is too long: at most 2000/],
    ['a misspelt field', [{ gate: 'staging-qa', by: 'alice', comments: 'x' }], at('staging-qa'), /unknown field "comments"; allowed: gate, by, comment, confirmed, id/],
    ['a number as gate', [{ gate: 5, by: 'alice' }], at('staging-qa'), /gate: must be one of/],
    ['null', [null], at('staging-qa'), /the payload must be one JSON object like \{"gate":"staging-qa"/],
    ['no payload at all', [], at('staging-qa'), /no payload; send one JSON object/],
    ['undefined (binary/null)', [undefined], at('staging-qa'), /got no payload/],
    ['two payloads', [{ gate: 'staging-qa', by: 'alice' }, {}], at('staging-qa'), /2 payloads; send exactly one JSON object/],
    ['a string', ['approve'], at('staging-qa'), /got a string/],
    ['a list', [[{ gate: 'staging-qa', by: 'alice' }]], at('staging-qa'), /got a list/],
    ['binary data', [new Uint8Array([1, 2])], at('staging-qa'), /got binary data/],
  ])('refuses %s', (_what, args, context, reason) => {
    expect(refusal(checkMessage('approve', args, context))).toMatch(reason);
  });
});

describe('reject', () => {
  it('needs a reason, from an approver or the requester', () => {
    expect(refusal(checkMessage('reject', [{ gate: 'staging-qa', by: 'alice' }], at('staging-qa')))).toMatch(/reason: is required/);
    expect(refusal(checkMessage('reject', [{ gate: 'staging-qa', by: 'alice', reason: '   ' }], at('staging-qa')))).toMatch(/reason: is required/);
    expect(refusal(checkMessage('reject', [{ gate: 'staging-qa', by: 'alice', reason: null }], at('staging-qa')))).toMatch(/reason: must be text/);
    expect(checkMessage('reject', [{ gate: 'staging-qa', by: 'alice', reason: 'bug' }], at('staging-qa')).ok).toBe(true);
    expect(checkMessage('reject', [{ gate: 'staging-qa', by: 'Carol', reason: 'withdrawn' }], at('staging-qa')).ok).toBe(true);
    expect(refusal(checkMessage('reject', [{ gate: 'staging-qa', by: 'mallory', reason: 'no' }], at('staging-qa')))).toMatch(/not an approver/);
  });
});

describe('abort', () => {
  it('is taken from the requester, an approver or an operator, with a reason, at any stage', () => {
    for (const by of ['carol', 'Bob', 'oncall-sre']) expect(checkMessage('abort', [{ by, reason: 'error rate up' }], at(null)).ok).toBe(true);
    expect(checkMessage('abort', [{ by: 'alice', reason: 'x' }], at('production-qa')).ok).toBe(true);
  });

  it.each<[string, unknown[], MessageContext, RegExp]>([
    ['from a stranger', [{ by: 'mallory', reason: 'x' }], at(null), /mallory may not abort this rollout: only the requester \(carol\), an approver \(alice, bob\) or an operator \(oncall-sre\)/],
    ['an empty object', [{}], at(null), /by: is required.*reason: is required/],
    ['without a reason', [{ by: 'alice' }], at(null), /reason: is required/],
    ['null', [null], at(null), /the payload must be one JSON object like \{"by":"alice","reason":"error rate up"\}/],
    ['a reason with a newline', [{ by: 'alice', reason: 'a\nb' }], at(null), /reason: contains control characters/],
    ['once rolling back', [{ by: 'alice', reason: 'x' }], at(null, { state: 'rolling-back' }), /the rollout is rolling-back; there is nothing to abort/],
    ['after it ended', [{ by: 'alice', reason: 'x' }], at(null, { state: 'completed' }), /the rollout is completed/],
    ['twice', [{ by: 'alice', reason: 'x' }], at(null, { abortRequested: true }), /already under way/],
  ])('refuses an abort %s', (_what, args, context, reason) => {
    expect(refusal(checkMessage('abort', args, context))).toMatch(reason);
  });
});

describe('undecodable payloads', () => {
  it('become a marker instead of an exception, and the marker is refused with the encoding', () => {
    const unknownEncoding = payloadConverter.fromPayload({ metadata: { encoding: new TextEncoder().encode('binary/foo') }, data: new Uint8Array([1]) });
    expect(isUndecodablePayload(unknownEncoding)).toBe(true);
    expect(refusal(checkMessage('approve', [unknownEncoding], at('staging-qa')))).toMatch(/could not be decoded \(encoding "binary\/foo": Unknown encoding/);
    const badJson = payloadConverter.fromPayload({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('{not json') });
    expect(refusal(checkMessage('abort', [badJson], at(null)))).toMatch(/could not be decoded \(encoding "json\/plain"/);
    // Everything the default converter reads, it reads the same.
    const payload = defaultPayloadConverter.toPayload({ gate: 'staging-qa', by: 'alice' });
    expect(payloadConverter.fromPayload(payload)).toEqual({ gate: 'staging-qa', by: 'alice' });
  });
});

describe('rules of rollouts recorded before STRICT_MESSAGES', () => {
  it('accept what they accepted then (reason optional, abort from anyone, case-sensitive approvers) and refuse what made them throw', () => {
    expect(checkLegacyMessage('reject', [{ gate: 'staging-qa', by: 'alice' }], at('staging-qa')).ok).toBe(true);
    expect(checkLegacyMessage('abort', [{}], at(null)).ok).toBe(true);
    expect(checkLegacyMessage('abort', [{ by: 'mallory', reason: 'x' }], at(null)).ok).toBe(true);
    expect(refusal(checkLegacyMessage('approve', [{ gate: 'staging-qa', by: 'Alice' }], at('staging-qa')))).toMatch(/not an approver/);
    expect(checkLegacyMessage('approve', [{ gate: 'staging-qa', by: 'alice', confirmed: 5 }], at('staging-qa')).ok).toBe(true);
    expect(refusal(checkLegacyMessage('approve', [{ gate: 'global-readiness', by: 'alice', confirmed: 5 }], at('global-readiness')))).toMatch(/list of readiness items/);
    expect(refusal(checkLegacyMessage('approve', [null], at('staging-qa')))).toMatch(/JSON object/);
  });
});
