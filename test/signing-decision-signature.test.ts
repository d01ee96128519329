// Canonical bytes of a signed decision (a fixed vector), Node signing + pure-JS verification, and every way it fails.
import { createPrivateKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import {
  canonicalDecisionBytes,
  decisionSignatureProblem,
  nonceProblem,
  SIGNATURE_RULES,
  signatureTimeProblem,
  signedDecisionOf,
  verifyDecisionSignature,
  type SignedDecision,
} from '../signing/decision-signature';
import { newNonce, signDecision } from '../signing/sign-decision';
import { publicKeyOf } from '../signing/signing-key';

/** A fixed key: the seed 0x07 × 32 (a test vector, never anyone's key). */
const FIXED_KEY = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]),
  format: 'der',
  type: 'pkcs8',
});
const FIXED_PUBLIC = 'ed25519:6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=';

const FIXED: SignedDecision = {
  flag: 'route_hll_to_snowplow_phase3',
  run: '0195a3c4-1111-7000-8000-000000000001',
  kind: 'approve',
  gate: 'global-readiness',
  by: 'alice',
  text: 'QA passed — "ok" ✓',
  confirmed: ['milestone', 'docs'],
  signedAt: '2026-03-01T09:30:00.000Z',
  nonce: 'AAAAAAAAAAAAAAAAAAAAAAAA',
};

describe('canonicalDecisionBytes', () => {
  it('is the versioned prefix and JSON of the fields in a fixed order, in UTF-8 (a fixed vector: changing it breaks every signature)', () => {
    const expected =
      'rollout-decision-v1\n' +
      '{"flag":"route_hll_to_snowplow_phase3","run":"0195a3c4-1111-7000-8000-000000000001","kind":"approve","gate":"global-readiness",' +
      '"by":"alice","text":"QA passed — \\"ok\\" ✓","confirmed":["milestone","docs"],"signedAt":"2026-03-01T09:30:00.000Z","nonce":"AAAAAAAAAAAAAAAAAAAAAAAA"}';
    const bytes = canonicalDecisionBytes(FIXED);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it('does not depend on the order the fields were given in', () => {
    const reordered = Object.fromEntries(Object.entries(FIXED).reverse()) as unknown as SignedDecision;
    expect(Buffer.from(canonicalDecisionBytes(reordered)).equals(Buffer.from(canonicalDecisionBytes(FIXED)))).toBe(true);
  });

  it('keeps null apart from the text "null" and field boundaries apart', () => {
    const a = canonicalDecisionBytes({ ...FIXED, text: null });
    const b = canonicalDecisionBytes({ ...FIXED, text: 'null' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const c = canonicalDecisionBytes({ ...FIXED, flag: 'ab', run: 'c' });
    const d = canonicalDecisionBytes({ ...FIXED, flag: 'a', run: 'bc' });
    expect(Buffer.from(c).equals(Buffer.from(d))).toBe(false);
  });

  it('refuses fields of the wrong type with the field named', () => {
    expect(() => canonicalDecisionBytes({ ...FIXED, confirmed: 'docs' } as never)).toThrow(/confirmed must be a list of strings/);
    expect(() => canonicalDecisionBytes({ ...FIXED, kind: 'promote' } as never)).toThrow(/kind must be one of approve, reject, abort, pause, resume/);
    expect(() => canonicalDecisionBytes({ ...FIXED, run: undefined } as never)).toThrow(/run must be a string/);
  });
});

describe('signing with Node crypto, verifying in pure JS', () => {
  it('signs the fixed vector to a fixed signature (Ed25519 is deterministic) that both Node and the verifier accept', () => {
    expect(publicKeyOf(FIXED_KEY)).toBe(FIXED_PUBLIC);
    const signature = signDecision(FIXED, FIXED_KEY);
    expect(signature).toBe('LjYTDueyRgqDqqMKX8qxD4tFyN+HuMlhsCWPVi1Kh9b2U/3Es33imIvjilghZ/NJGnbWkXD4/NlB8+ELTXWBBQ==');
    expect(verify(null, canonicalDecisionBytes(FIXED), FIXED_KEY, Buffer.from(signature, 'base64'))).toBe(true);
    expect(verifyDecisionSignature(FIXED, signature, FIXED_PUBLIC)).toBe(true);
  });

  const fresh = (): { key: KeyObject; publicKey: string } => {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { key: privateKey, publicKey: publicKeyOf(privateKey) };
  };

  it('round-trips with a fresh key for every kind of decision, and takes the OpenSSH form of the public key', () => {
    const { key, publicKey } = fresh();
    for (const kind of ['approve', 'reject', 'abort', 'pause', 'resume'] as const) {
      const decision = { ...FIXED, kind, nonce: newNonce(), gate: kind === 'approve' || kind === 'reject' ? 'staging-qa' : null };
      expect(verifyDecisionSignature(decision, signDecision(decision, key), publicKey)).toBe(true);
    }
    const raw = Buffer.from(publicKey.slice('ed25519:'.length), 'base64');
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), raw]);
    expect(verifyDecisionSignature(FIXED, signDecision(FIXED, key), `ssh-ed25519 ${blob.toString('base64')} alice@laptop`)).toBe(true);
  });

  it('is false, never an exception, for any changed field', () => {
    const { key, publicKey } = fresh();
    const signature = signDecision(FIXED, key);
    const changes: Partial<SignedDecision>[] = [
      { flag: 'other_flag' },
      { run: '0195a3c4-1111-7000-8000-000000000002' },
      { kind: 'reject' },
      { gate: 'staging-qa' },
      { gate: null },
      { by: 'Alice' },
      { text: 'QA passed — "ok" ✓ ' },
      { text: null },
      { confirmed: ['docs', 'milestone'] },
      { confirmed: ['milestone'] },
      { signedAt: '2026-03-01T09:30:00.001Z' },
      { nonce: 'AAAAAAAAAAAAAAAAAAAAAAAB' },
    ];
    for (const change of changes) expect([change, verifyDecisionSignature({ ...FIXED, ...change }, signature, publicKey)]).toEqual([change, false]);
  });

  it('is false for another key, and for malformed signatures or keys', () => {
    const signer = fresh();
    const other = fresh();
    const signature = signDecision(FIXED, signer.key);
    expect(verifyDecisionSignature(FIXED, signature, other.publicKey)).toBe(false);

    const bytes = Buffer.from(signature, 'base64');
    const flipped = Buffer.from(bytes);
    flipped[10] = flipped[10]! ^ 1;
    for (const bad of [
      '',
      'not base64!',
      flipped.toString('base64'),
      bytes.subarray(0, 63).toString('base64'),
      Buffer.concat([bytes, Buffer.from([0])]).toString('base64'),
      signature.replace(/=+$/, ''), // no padding
      Buffer.from(signature, 'base64').toString('base64url'),
      'A'.repeat(10_000),
      null as unknown as string,
      42 as unknown as string,
    ]) {
      expect(verifyDecisionSignature(FIXED, bad, signer.publicKey)).toBe(false);
    }
    for (const badKey of ['', 'ed25519:', 'ed25519:AAAA', `ed25519:${Buffer.alloc(32).toString('base64')}`, 'ssh-rsa AAAAB3NzaC1yc2E=', null as unknown as string]) {
      expect(verifyDecisionSignature(FIXED, signature, badKey)).toBe(false);
    }
    expect(verifyDecisionSignature({ ...FIXED, confirmed: null } as never, signature, signer.publicKey)).toBe(false);
    expect(verifyDecisionSignature(null as never, signature, signer.publicKey)).toBe(false);
  });

  it('refuses a malleated signature (S replaced by S + L, the same point on the curve)', () => {
    const { key, publicKey } = fresh();
    const bytes = Buffer.from(signDecision(FIXED, key), 'base64');
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i -= 1) s = (s << 8n) + BigInt(bytes[32 + i]!);
    let sPlusL = s + L; // S < L < 2^253, so S + L still fits in 32 bytes
    const malleated = Buffer.from(bytes);
    for (let i = 0; i < 32; i += 1) {
      malleated[32 + i] = Number(sPlusL & 0xffn);
      sPlusL >>= 8n;
    }
    expect(verifyDecisionSignature(FIXED, malleated.toString('base64'), publicKey)).toBe(false);
  });
});

describe('nonce and time rules', () => {
  it('makes fresh nonces that meet the rule', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonceProblem(nonce)).toBeNull();
    expect(nonceProblem('short')).toMatch(/16–64 characters of base64url/);
    expect(nonceProblem('has spaces in it, sixteen+')).not.toBeNull();
  });

  it('takes a signature dated within the skew ahead and the age behind the workflow clock, and says why otherwise', () => {
    const now = Date.parse('2026-03-01T09:30:00.000Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    expect(signatureTimeProblem(at(0), now)).toBeNull();
    expect(signatureTimeProblem(at(SIGNATURE_RULES.maxSkewMs), now)).toBeNull();
    expect(signatureTimeProblem(at(-SIGNATURE_RULES.maxAgeMs), now)).toBeNull();
    expect(signatureTimeProblem(at(SIGNATURE_RULES.maxSkewMs + 1000), now)).toMatch(/121 s ahead of the rollout's clock \(at most 120 s\): check the signer's clock/);
    expect(signatureTimeProblem(at(-SIGNATURE_RULES.maxAgeMs - 60_000), now)).toMatch(/16 min before the rollout took it \(at most 15 min\): sign and send it again/);
    expect(signatureTimeProblem('2026-03-01 09:30', now)).toMatch(/ISO 8601 UTC time with milliseconds/);
    expect(signatureTimeProblem('2026-13-01T09:30:00.000Z', now)).toMatch(/ISO 8601/);
  });

  it('decisionSignatureProblem combines nonce, time and signature into one reason', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const decision = { ...FIXED, nonce: newNonce() };
    const signature = signDecision(decision, privateKey);
    const now = Date.parse(FIXED.signedAt) + 1000;
    expect(decisionSignatureProblem(decision, signature, publicKeyOf(privateKey), now)).toBeNull();
    expect(decisionSignatureProblem(decision, signature, FIXED_PUBLIC, now)).toMatch(/does not verify with alice's public key/);
    expect(decisionSignatureProblem(decision, signature, publicKeyOf(privateKey), now + SIGNATURE_RULES.maxAgeMs + 60_000)).toMatch(/sign and send it again/);
  });
});

describe('signedDecisionOf', () => {
  it('maps each payload to what its signature covers: comment for approve, reason otherwise, no gate → null, no items → []', () => {
    const rollout = { flag: 'f', run: 'r' };
    const signature = { signedAt: FIXED.signedAt, nonce: FIXED.nonce };
    expect(signedDecisionOf('approve', rollout, { gate: 'staging-qa', by: 'alice', comment: 'ok' }, signature)).toEqual({
      flag: 'f', run: 'r', kind: 'approve', gate: 'staging-qa', by: 'alice', text: 'ok', confirmed: [], ...signature,
    });
    expect(signedDecisionOf('approve', rollout, { gate: 'global-readiness', by: 'alice', confirmed: ['docs'] }, signature)).toMatchObject({ text: null, confirmed: ['docs'] });
    expect(signedDecisionOf('pause', rollout, { by: 'bob', reason: 'incident' }, signature)).toMatchObject({ kind: 'pause', gate: null, text: 'incident', confirmed: [] });
    expect(signedDecisionOf('reject', rollout, { gate: 'staging-qa', by: 'bob', reason: 'bug' }, signature)).toMatchObject({ gate: 'staging-qa', text: 'bug' });
  });
});
