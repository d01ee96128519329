// Finds the key a decision is signed with: --key <file>, else ROLLOUT_SIGNING_KEY, else <key directory>/<by>.key.
import { existsSync } from 'node:fs';
import { keyFiles, keysDirectory } from './key-directory';
import { readSigningKey, type SigningKey } from './signing-key';

/** Names a signing key file for every decision command. */
export const SIGNING_KEY_ENV = 'ROLLOUT_SIGNING_KEY';

export type SigningKeyLookup = { found: true; key: SigningKey } | { found: false; looked: string[] };

/**
 * The signing key of `by`. A file named by --key or ROLLOUT_SIGNING_KEY must be readable (else SigningKeyError); when
 * neither is given and `<key directory>/<by>.key` does not exist, the answer says where it looked.
 */
export function findSigningKey(by: string, { keyFile, env = process.env }: { keyFile?: string; env?: NodeJS.ProcessEnv }): SigningKeyLookup {
  if (keyFile) return { found: true, key: readSigningKey(keyFile) };
  const fromEnv = env[SIGNING_KEY_ENV];
  if (fromEnv) return { found: true, key: readSigningKey(fromEnv) };
  const file = keyFiles(keysDirectory(env), by).privateKey;
  if (!existsSync(file)) return { found: false, looked: ['--key (not given)', `${SIGNING_KEY_ENV} (not set)`, file] };
  return { found: true, key: readSigningKey(file) };
}
