// Reads the 32-byte seed of an unencrypted OpenSSH Ed25519 private key (`-----BEGIN OPENSSH PRIVATE KEY-----`).
import { SigningKeyError } from './signing-key-error';
import { SshWireError, SshWireReader } from './ssh-wire-reader';

export const OPENSSH_PRIVATE_KEY_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = 'openssh-key-v1\0';

/** The Ed25519 seed and public key of an OpenSSH private key file's text; `where` names the file in errors. */
export function openSshEd25519Seed(text: string, where: string): { seed: Uint8Array; publicKey: Uint8Array } {
  const begin = text.indexOf(OPENSSH_PRIVATE_KEY_BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new SigningKeyError(`${where}: not an OpenSSH private key (no ${OPENSSH_PRIVATE_KEY_BEGIN} … ${END} block)`);
  const bytes = new Uint8Array(Buffer.from(text.slice(begin + OPENSSH_PRIVATE_KEY_BEGIN.length, end).replace(/\s+/g, ''), 'base64'));
  try {
    const reader = new SshWireReader(bytes);
    const magic = String.fromCharCode(...reader.raw(MAGIC.length, 'the "openssh-key-v1" header'));
    if (magic !== MAGIC) throw new SigningKeyError(`${where}: not an OpenSSH private key (its data does not start with "openssh-key-v1")`);
    const cipher = reader.text('the cipher name');
    const kdf = reader.text('the KDF name');
    reader.string('the KDF options');
    if (cipher !== 'none' || kdf !== 'none') {
      throw new SigningKeyError(
        `${where}: the OpenSSH key is encrypted with a passphrase (${cipher}/${kdf}); rollout cannot ask for it. ` +
          'Use `rollout keys generate`, or an unencrypted copy: `ssh-keygen -p -N "" -f <copy>`',
      );
    }
    const count = reader.uint32('the number of keys');
    if (count !== 1) throw new SigningKeyError(`${where}: the OpenSSH file holds ${count} keys; rollout reads files with exactly one`);
    reader.string('the public key');
    const secret = new SshWireReader(reader.string('the private section'));
    if (secret.uint32('the first check number') !== secret.uint32('the second check number')) {
      throw new SigningKeyError(`${where}: the OpenSSH private section is damaged (its check numbers differ)`);
    }
    const type = secret.text('the key type');
    if (type !== 'ssh-ed25519') throw new SigningKeyError(`${where}: is an OpenSSH ${type} key; only Ed25519 keys sign decisions`);
    const publicKey = secret.string('the Ed25519 public key');
    const both = secret.string('the Ed25519 private key');
    if (publicKey.length !== 32 || both.length !== 64) {
      throw new SigningKeyError(`${where}: the OpenSSH Ed25519 key has ${publicKey.length}/${both.length} bytes of public/private key (32/64 expected)`);
    }
    return { seed: both.slice(0, 32), publicKey: publicKey.slice() };
  } catch (err) {
    if (err instanceof SshWireError) throw new SigningKeyError(`${where}: the OpenSSH private key data ${err.message}`);
    throw err;
  }
}
