// Reads a person's Ed25519 public key from text (`ed25519:<base64>` or an OpenSSH line); pure JS, safe in workflow code.
import { ed25519 } from '@noble/curves/ed25519';
import { base64 } from '@scure/base';
import { SshWireError, SshWireReader } from './ssh-wire-reader';

/** The prefix of the project's own public key text: `ed25519:` and the standard base64 of the raw 32 bytes. */
export const PUBLIC_KEY_PREFIX = 'ed25519:';

export const PUBLIC_KEY_FORMATS = `"${PUBLIC_KEY_PREFIX}<base64 of the 32-byte key>" (as \`rollout keys show\` prints it) or an OpenSSH line "ssh-ed25519 AAAA… [comment]"`;

export type ParsedPublicKey = { ok: true; key: string } | { ok: false; problem: string };

const RAW_KEY_LENGTH = 32;

/** Parses public key text into its normalised form `ed25519:<base64>`; never throws: a problem says what is wrong. */
export function parsePublicKey(text: string): ParsedPublicKey {
  try {
    return parse(text);
  } catch (err) {
    return { ok: false, problem: `could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parse(text: string): ParsedPublicKey {
  if (typeof text !== 'string') return { ok: false, problem: `must be text: ${PUBLIC_KEY_FORMATS}` };
  const trimmed = text.trim();
  if (trimmed.startsWith(PUBLIC_KEY_PREFIX)) return fromRaw(decode(trimmed.slice(PUBLIC_KEY_PREFIX.length).trim()), 'the base64 after "ed25519:"');
  const words = trimmed.split(/\s+/);
  if (words[0] === 'ssh-ed25519') return fromSshBlob(words[1] ?? '');
  if (/^(ssh-|ecdsa-|sk-)/.test(words[0] ?? '')) return { ok: false, problem: `is a ${words[0]} key; only Ed25519 keys sign decisions: ${PUBLIC_KEY_FORMATS}` };
  if (trimmed.startsWith('-----BEGIN')) return { ok: false, problem: `is a PEM block; give the public key as ${PUBLIC_KEY_FORMATS}` };
  return { ok: false, problem: `is not a public key: expected ${PUBLIC_KEY_FORMATS}` };
}

/** The raw 32 bytes of a normalised key (`ed25519:<base64>`), or null when it is not one. */
export function rawPublicKey(normalised: string): Uint8Array | null {
  if (!normalised.startsWith(PUBLIC_KEY_PREFIX)) return null;
  const bytes = decode(normalised.slice(PUBLIC_KEY_PREFIX.length));
  return bytes instanceof Uint8Array && bytes.length === RAW_KEY_LENGTH ? bytes : null;
}

/** The normalised text of 32 raw key bytes. */
export function publicKeyText(raw: Uint8Array): string {
  return PUBLIC_KEY_PREFIX + base64.encode(raw);
}

function decode(text: string): Uint8Array | string {
  try {
    return base64.decode(text);
  } catch {
    return 'is not valid base64 (standard alphabet, "=" padding)';
  }
}

function fromRaw(bytes: Uint8Array | string, what: string): ParsedPublicKey {
  if (typeof bytes === 'string') return { ok: false, problem: `${what} ${bytes}` };
  if (bytes.length !== RAW_KEY_LENGTH) return { ok: false, problem: `${what} holds ${bytes.length} bytes; an Ed25519 public key is ${RAW_KEY_LENGTH}` };
  // Strict (RFC 8032) decoding: a non-canonical encoding or a point of small order cannot be anyone's key.
  let valid: boolean;
  try {
    valid = !ed25519.Point.fromBytes(bytes, false).isSmallOrder();
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, problem: `${what} is not a valid Ed25519 public key (not a point of the curve, or of small order)` };
  return { ok: true, key: publicKeyText(bytes) };
}

function fromSshBlob(blobText: string): ParsedPublicKey {
  if (blobText === '') return { ok: false, problem: 'has "ssh-ed25519" but no key after it: expected "ssh-ed25519 AAAA… [comment]"' };
  const blob = decode(blobText);
  if (typeof blob === 'string') return { ok: false, problem: `the OpenSSH key after "ssh-ed25519" ${blob}` };
  try {
    const reader = new SshWireReader(blob);
    const type = reader.text('the key type');
    if (type !== 'ssh-ed25519') return { ok: false, problem: `the OpenSSH key says "ssh-ed25519" but its data is a ${type} key` };
    const raw = reader.string('the key');
    if (reader.remaining !== 0) return { ok: false, problem: `the OpenSSH key has ${reader.remaining} unexpected bytes after the key` };
    return fromRaw(raw, 'the OpenSSH key');
  } catch (err) {
    if (err instanceof SshWireError) return { ok: false, problem: `the OpenSSH key data ${err.message}` };
    throw err; // parsePublicKey reports it
  }
}
