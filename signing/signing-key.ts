// Reads a person's Ed25519 private key (PKCS8 PEM, or an unencrypted OpenSSH key) for signing; Node only, never in workflows.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OPENSSH_PRIVATE_KEY_BEGIN, openSshEd25519Seed } from './openssh-private-key';
import { publicKeyText } from './parse-public-key';
import { SigningKeyError } from './signing-key-error';

export interface SigningKey {
  /** Where it was read from (for messages). */
  source: string;
  privateKey: KeyObject;
  /** Its public key, normalised: `ed25519:<base64>`. */
  publicKey: string;
}

/** DER of a PKCS8 Ed25519 private key up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Reads and checks the private key in `file`. Throws SigningKeyError naming the file and the problem. */
export function readSigningKey(file: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SigningKeyError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable (permission denied)' : String(err)}`);
  }
  return signingKeyFromText(text, file);
}

/** The signing key in a key file's text; `source` names it in errors. */
export function signingKeyFromText(text: string, source: string): SigningKey {
  if (text.includes(OPENSSH_PRIVATE_KEY_BEGIN)) {
    const { seed, publicKey } = openSshEd25519Seed(text, source);
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const derived = publicKeyOf(privateKey);
    if (derived !== publicKeyText(publicKey)) throw new SigningKeyError(`${source}: the OpenSSH key's public half does not belong to its private half`);
    return { source, privateKey, publicKey: derived };
  }
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new SigningKeyError(`${source}: the private key is encrypted with a passphrase; rollout reads unencrypted keys (keep the file mode 0600)`);
  }
  if (!text.includes('-----BEGIN PRIVATE KEY-----')) {
    const hint = /^\s*(ed25519:|ssh-)/.test(text) ? ' (this looks like a public key)' : '';
    throw new SigningKeyError(`${source}: not a private key${hint}; expected a PKCS8 PEM block "-----BEGIN PRIVATE KEY-----" (as \`rollout keys generate\` writes) or "${OPENSSH_PRIVATE_KEY_BEGIN}"`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new SigningKeyError(`${source}: the PEM private key cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`${source}: is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; only Ed25519 keys sign decisions (\`rollout keys generate\`)`);
  }
  return { source, privateKey, publicKey: publicKeyOf(privateKey) };
}

/** The normalised public key text (`ed25519:<base64>`) of an Ed25519 private or public key. */
export function publicKeyOf(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new SigningKeyError(`not an Ed25519 key (${String(jwk.crv ?? jwk.kty)})`);
  return publicKeyText(new Uint8Array(Buffer.from(jwk.x, 'base64url')));
}
