// Where people's key files live (`~/.config/rollout/keys`, or ROLLOUT_KEYS_DIR) and how `rollout keys generate` writes them.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isUsername, USERNAME_RULE } from '../plan/username';
import { publicKeyOf } from './signing-key';
import { SigningKeyError } from './signing-key-error';

/** Overrides the key directory. */
export const KEYS_DIR_ENV = 'ROLLOUT_KEYS_DIR';

/** The key directory: ROLLOUT_KEYS_DIR, else $XDG_CONFIG_HOME/rollout/keys, else ~/.config/rollout/keys. */
export function keysDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env[KEYS_DIR_ENV]) return env[KEYS_DIR_ENV];
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'rollout', 'keys');
}

export interface KeyFiles {
  /** `<dir>/<name>.key`: PKCS8 PEM, mode 0600. */
  privateKey: string;
  /** `<dir>/<name>.pub`: one line `ed25519:<base64>`. */
  publicKey: string;
}

/** The key files of `name` in `dir`. Usernames compare without case, so the file names are lower case. */
export function keyFiles(dir: string, name: string): KeyFiles {
  if (!isUsername(name)) throw new SigningKeyError(`key name ${JSON.stringify(name)} ${USERNAME_RULE}`);
  const base = join(dir, name.toLowerCase());
  return { privateKey: `${base}.key`, publicKey: `${base}.pub` };
}

export interface GeneratedKey extends KeyFiles {
  /** The new public key, `ed25519:<base64>`. */
  publicKeyText: string;
}

/** Generates an Ed25519 key pair for `name` into `dir` (created 0700); refuses to replace existing files unless `force`. */
export function generateKeyFiles(dir: string, name: string, { force = false }: { force?: boolean } = {}): GeneratedKey {
  const files = keyFiles(dir, name);
  if (!force) {
    const existing = [files.privateKey, files.publicKey].filter((file) => existsSync(file));
    if (existing.length > 0) {
      throw new SigningKeyError(
        `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; a new key would stop the old one from counting ` +
          `wherever it is listed. Show it with \`rollout keys show --name ${name}\`, or replace it with --force`,
      );
    }
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SigningKeyError(`cannot create the key directory ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKeyText = publicKeyOf(privateKey);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    writeFileSync(files.privateKey, pem, { mode: 0o600, flag: force ? 'w' : 'wx' });
    chmodSync(files.privateKey, 0o600); // a replaced file keeps its old mode otherwise
    writeFileSync(files.publicKey, `${publicKeyText}\n`, { mode: 0o644, flag: force ? 'w' : 'wx' });
  } catch (err) {
    throw new SigningKeyError(`cannot write the key files in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ...files, publicKeyText };
}
