// Loads a keyring file (YAML or JSON: `keys: { alice: "ed25519:…", bob: "ssh-ed25519 …" }`) that maps people to public keys.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { isUsername, USERNAME_RULE } from '../plan/username';
import { parsePublicKey, PUBLIC_KEY_FORMATS } from './parse-public-key';
import { SigningKeyError } from './signing-key-error';

export interface Keyring {
  /** The file it was read from. */
  source: string;
  /** Username (as written) → normalised public key `ed25519:<base64>`. */
  keys: Record<string, string>;
}

export const KEYRING_EXAMPLE = 'keys:\n  alice: "ed25519:<base64>"\n  bob: "ssh-ed25519 AAAA… bob@laptop"';

/** Reads and checks the keyring at `file`; throws SigningKeyError listing every problem with its line. */
export function loadKeyring(file: string): Keyring {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SigningKeyError(`cannot read the keyring ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(err)}`);
  }
  return parseKeyring(text, file);
}

/** Parses keyring text; `source` names it in errors. Problems say the line, the name and why. */
export function parseKeyring(text: string, source: string): Keyring {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  const problems: string[] = [];
  const at = (node: Node | null | undefined) => (node?.range ? `line ${lines.linePos(node.range[0]).line}: ` : '');
  const fail = (): never => {
    // In the order of the file: by line, problems without a line first.
    const line = (problem: string) => Number(/^line (\d+):/.exec(problem)?.[1] ?? 0);
    const ordered = [...problems].sort((a, b) => line(a) - line(b));
    throw new SigningKeyError(`keyring ${source} is not valid:\n${ordered.map((p) => `  - ${p}`).join('\n')}\nExpected, in YAML or JSON:\n${KEYRING_EXAMPLE}`);
  };

  for (const error of document.errors) {
    const position = error.linePos?.[0];
    problems.push(`${position ? `line ${position.line}: ` : ''}YAML syntax error: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  if (problems.length > 0) fail();

  const root = document.contents;
  if (!isMap(root)) {
    problems.push(`${at(root)}the keyring must be a mapping with one field, keys`);
    fail();
  }
  let keysNode: Node | null = null;
  for (const pair of (root as NonNullable<typeof root> & { items: { key: unknown; value: unknown }[] }).items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (name === 'keys') keysNode = pair.value as Node | null;
    else problems.push(`${at(pair.key as Node)}unknown field ${JSON.stringify(name)}; a keyring has one field, keys`);
  }
  if (keysNode === null || !isMap(keysNode)) {
    problems.push(`${at(keysNode ?? root)}keys must be a mapping of usernames to public keys`);
    fail();
  }

  const keys: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const pair of (keysNode as { items: { key: unknown; value: unknown }[] }).items) {
    const keyNode = pair.key as Node | null;
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const where = `${at(keyNode)}keys.${name}: `;
    if (!isUsername(name)) {
      problems.push(`${where}the name ${USERNAME_RULE}`);
      continue;
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      problems.push(`${where}${earlier} is listed already (usernames compare without case); list each person once`);
      continue;
    }
    seen.set(name.toLowerCase(), name);
    const valueNode = pair.value as Node | null;
    if (!isScalar(valueNode) || typeof valueNode.value !== 'string') {
      problems.push(`${at(valueNode ?? keyNode)}keys.${name}: must be public key text: ${PUBLIC_KEY_FORMATS}`);
      continue;
    }
    const parsed = parsePublicKey(valueNode.value);
    if (parsed.ok) keys[name] = parsed.key;
    else problems.push(`${at(valueNode)}keys.${name}: ${parsed.problem}`);
  }
  if (problems.length > 0) fail();
  return { source, keys };
}

/** The public key of `by` in the keyring (usernames compare without case), or null. */
export function keyringPublicKey(keyring: Keyring, by: string): string | null {
  const name = Object.keys(keyring.keys).find((candidate) => candidate.toLowerCase() === by.toLowerCase());
  return name === undefined ? null : (keyring.keys[name] ?? null);
}
