// Key files, OpenSSH keys, public key text and keyrings: what is accepted, and what each mistake is reported as.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePublicKey, verifyDecisionSignature, type SignedDecision } from '../signing/decision-signature';
import { findSigningKey, SIGNING_KEY_ENV } from '../signing/find-signing-key';
import { generateKeyFiles, KEYS_DIR_ENV, keyFiles, keysDirectory } from '../signing/key-directory';
import { keyringPublicKey, loadKeyring, parseKeyring } from '../signing/keyring';
import { newNonce, signDecision } from '../signing/sign-decision';
import { readSigningKey, signingKeyFromText } from '../signing/signing-key';

/** Made with `ssh-keygen -t ed25519 -N '' -C 'alice@example (test fixture)'` for this test only; never anyone's key. */
const OPENSSH_PRIVATE = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACCMC3H1F+yOB2hCJDeULYegAYK3eeRu2W/ilCHbYvUU5AAAAKCrPpsSqz6b
EgAAAAtzc2gtZWQyNTUxOQAAACCMC3H1F+yOB2hCJDeULYegAYK3eeRu2W/ilCHbYvUU5A
AAAEB7wlGSXTG6iZ4/RuBwyonHdrQr0Bgb5AuSwKGlvx8LM4wLcfUX7I4HaEIkN5Qth6AB
grd55G7Zb+KUIdti9RTkAAAAHGFsaWNlQGV4YW1wbGUgKHRlc3QgZml4dHVyZSkB
-----END OPENSSH PRIVATE KEY-----
`;
const OPENSSH_PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwLcfUX7I4HaEIkN5Qth6ABgrd55G7Zb+KUIdti9RTk alice@example (test fixture)';
/** The same key in the project's own text. */
const FIXTURE_PUBLIC = 'ed25519:jAtx9RfsjgdoQiQ3lC2HoAGCt3nkbtlv4pQh22L1FOQ=';
/** Made with `ssh-keygen -t ed25519 -N secret`: encrypted, so it cannot be used. */
const OPENSSH_ENCRYPTED = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBALUF7Qm
0DUgix5tXhrFAvAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIJJfpDuvryjc2gui
63FsQLoKRYFYnVVVVpc31PgA6BztAAAAkND9xwb+RTXSULShb6zJfORJFeNnAuAEgQGANe
u0bbDzYloAWxlh3ChCi/dnDET7NI74T/G+49UqoSzH+VB4Vi+oEhODX5shHaLfo0WKLrAh
AiBMra5wEdMA/xcjaDGJRSYV3xw1Jl3NMad1yGv6bIwz6gZD+AXd/FsAMPHYmpDzHpLJ70
kP/gJQiv/BhqmLyA==
-----END OPENSSH PRIVATE KEY-----
`;
const RSA_PUBLIC_LINE =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCre3oiVe48e24pYbwkO+2Ox+byJYWGAdr4tc/JVHL7PdOopCi28nnE7Pridvjw19Pc5PMRuuFwqVuFE9xQs/4u5dgc9canvVrO3tZGflElcvRljIulCRVLmHez8G0+gzDR8kRlTR/HlYQTdyAF9Iq+gEJt/dlPvTGi07wjbKUuYw== root@vm';

const DECISION: SignedDecision = {
  flag: 'route_hll_to_snowplow_phase3',
  run: 'run-1',
  kind: 'approve',
  gate: 'staging-qa',
  by: 'alice',
  text: null,
  confirmed: [],
  signedAt: '2026-03-01T09:30:00.000Z',
  nonce: newNonce(),
};

const tempDir = () => mkdtempSync(join(tmpdir(), 'rollout-keys-'));

describe('rollout key files', () => {
  it('generates a key pair: private PKCS8 PEM with mode 0600 in a 0700 directory, public key as one line that signs and verifies', () => {
    const dir = join(tempDir(), 'nested', 'keys');
    const generated = generateKeyFiles(dir, 'Alice');
    expect(generated.privateKey).toBe(join(dir, 'alice.key'));
    expect(generated.publicKey).toBe(join(dir, 'alice.pub'));
    expect(statSync(generated.privateKey).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(generated.privateKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(generated.publicKey, 'utf8')).toBe(`${generated.publicKeyText}\n`);
    expect(generated.publicKeyText).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);

    const key = readSigningKey(generated.privateKey);
    expect(key.publicKey).toBe(generated.publicKeyText);
    expect(verifyDecisionSignature(DECISION, signDecision(DECISION, key.privateKey), readFileSync(generated.publicKey, 'utf8'))).toBe(true);
  });

  it('refuses to replace an existing key unless forced, and then replaces it with mode 0600', () => {
    const dir = tempDir();
    const first = generateKeyFiles(dir, 'bob');
    expect(() => generateKeyFiles(dir, 'BOB')).toThrow(/bob\.key and .*bob\.pub already exist; a new key would stop the old one from counting .* --force/);
    expect(readSigningKey(first.privateKey).publicKey).toBe(first.publicKeyText);
    const second = generateKeyFiles(dir, 'bob', { force: true });
    expect(second.publicKeyText).not.toBe(first.publicKeyText);
    expect(readSigningKey(second.privateKey).publicKey).toBe(second.publicKeyText);
    expect(statSync(second.privateKey).mode & 0o777).toBe(0o600);
  });

  it('names keys after GitLab usernames only', () => {
    expect(() => keyFiles(tempDir(), '../etc/passwd')).toThrow(/key name "..\/etc\/passwd" must be a GitLab username/);
    expect(() => generateKeyFiles(tempDir(), '')).toThrow(/must be a GitLab username/);
  });

  it('lives in ROLLOUT_KEYS_DIR, else $XDG_CONFIG_HOME/rollout/keys, else ~/.config/rollout/keys', () => {
    expect(keysDirectory({ [KEYS_DIR_ENV]: '/srv/keys', XDG_CONFIG_HOME: '/x' })).toBe('/srv/keys');
    expect(keysDirectory({ XDG_CONFIG_HOME: '/x' })).toBe('/x/rollout/keys');
    expect(keysDirectory({})).toBe(join(homedir(), '.config', 'rollout', 'keys'));
  });
});

describe('reading a signing key', () => {
  it('reads an unencrypted OpenSSH Ed25519 private key; its signatures verify with the OpenSSH public key line', () => {
    const key = signingKeyFromText(OPENSSH_PRIVATE, 'id_ed25519');
    expect(key.publicKey).toBe(FIXTURE_PUBLIC);
    expect(parsePublicKey(OPENSSH_PUBLIC)).toEqual({ ok: true, key: FIXTURE_PUBLIC });
    expect(verifyDecisionSignature(DECISION, signDecision(DECISION, key.privateKey), OPENSSH_PUBLIC)).toBe(true);
  });

  it('says why a file cannot sign', () => {
    const dir = tempDir();
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    expect(() => readSigningKey(join(dir, 'missing.key'))).toThrow(/missing\.key: no such file/);
    expect(() => readSigningKey(write('pub', `${FIXTURE_PUBLIC}\n`))).toThrow(/pub: not a private key \(this looks like a public key\); expected a PKCS8 PEM block/);
    expect(() => readSigningKey(write('junk', 'hello'))).toThrow(/junk: not a private key; expected/);
    expect(() => readSigningKey(write('enc-ssh', OPENSSH_ENCRYPTED))).toThrow(/enc-ssh: the OpenSSH key is encrypted with a passphrase \(aes256-ctr\/bcrypt\); rollout cannot ask for it/);
    const truncated = OPENSSH_PRIVATE.split('\n').filter((_, i) => i < 4 || i > 5).join('\n');
    expect(() => readSigningKey(write('short-ssh', truncated))).toThrow(/short-ssh: the OpenSSH private key data ends/);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => readSigningKey(write('rsa.key', rsa))).toThrow(/rsa\.key: is a rsa key; only Ed25519 keys sign decisions/);
    const encrypted = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
    expect(() => readSigningKey(write('enc.key', encrypted))).toThrow(/enc\.key: the private key is encrypted with a passphrase/);
    expect(() => readSigningKey(write('bad.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toThrow(/bad\.key: the PEM private key cannot be read/);
  });

  it('is found through --key, else ROLLOUT_SIGNING_KEY, else <key directory>/<by>.key; otherwise says where it looked', () => {
    const dir = tempDir();
    const alice = generateKeyFiles(dir, 'alice');
    const other = generateKeyFiles(tempDir(), 'someone');
    const env = { [KEYS_DIR_ENV]: dir };
    expect(findSigningKey('Alice', { env })).toMatchObject({ found: true, key: { source: alice.privateKey, publicKey: alice.publicKeyText } });
    expect(findSigningKey('alice', { env: { ...env, [SIGNING_KEY_ENV]: other.privateKey } })).toMatchObject({ found: true, key: { publicKey: other.publicKeyText } });
    expect(findSigningKey('alice', { keyFile: alice.privateKey, env: { ...env, [SIGNING_KEY_ENV]: other.privateKey } })).toMatchObject({ found: true, key: { publicKey: alice.publicKeyText } });
    expect(findSigningKey('bob', { env })).toEqual({ found: false, looked: ['--key (not given)', `${SIGNING_KEY_ENV} (not set)`, join(dir, 'bob.key')] });
    expect(() => findSigningKey('alice', { keyFile: join(dir, 'nope.key'), env })).toThrow(/nope\.key: no such file/);
    expect(() => findSigningKey('alice', { env: { ...env, [SIGNING_KEY_ENV]: join(dir, 'gone.key') } })).toThrow(/gone\.key: no such file/);
  });
});

describe('public key text', () => {
  it('normalises both forms and ignores surrounding space and the OpenSSH comment', () => {
    expect(parsePublicKey(`  ${FIXTURE_PUBLIC}\n`)).toEqual({ ok: true, key: FIXTURE_PUBLIC });
    expect(parsePublicKey(OPENSSH_PUBLIC.replace(' alice@example (test fixture)', ''))).toEqual({ ok: true, key: FIXTURE_PUBLIC });
  });

  it('says what is wrong with anything else', () => {
    const problem = (text: string) => {
      const parsed = parsePublicKey(text);
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(problem('')).toMatch(/is not a public key: expected "ed25519:<base64 of the 32-byte key>"/);
    expect(problem('ed25519:AAAA')).toMatch(/the base64 after "ed25519:" holds 3 bytes; an Ed25519 public key is 32/);
    expect(problem('ed25519:not base64!')).toMatch(/is not valid base64/);
    expect(problem(`ed25519:${Buffer.alloc(32).toString('base64')}`)).toMatch(/not a valid Ed25519 public key \(not a point of the curve, or of small order\)/);
    expect(problem(RSA_PUBLIC_LINE)).toMatch(/is a ssh-rsa key; only Ed25519 keys sign decisions/);
    expect(problem('ssh-ed25519')).toMatch(/has "ssh-ed25519" but no key after it/);
    expect(problem(`ssh-ed25519 ${RSA_PUBLIC_LINE.split(' ')[1]}`)).toMatch(/says "ssh-ed25519" but its data is a ssh-rsa key/);
    expect(problem('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwLcf')).toMatch(/the OpenSSH key after "ssh-ed25519" is not valid base64|the OpenSSH key data ends/);
    expect(problem('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwLcfUX')).toMatch(/the OpenSSH key data ends inside the key/);
    expect(problem('-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----')).toMatch(/is a PEM block/);
    expect(problem(42 as unknown as string)).toMatch(/must be text/);
  });
});

describe('keyrings', () => {
  it('reads YAML and JSON, normalising every key; names compare without case', () => {
    const other = generateKeyFiles(tempDir(), 'bob').publicKeyText;
    const yaml = parseKeyring(`# who may sign\nkeys:\n  alice: "${OPENSSH_PUBLIC}"\n  Bob: ${other}\n`, 'team.yaml');
    expect(yaml).toEqual({ source: 'team.yaml', keys: { alice: FIXTURE_PUBLIC, Bob: other } });
    expect(keyringPublicKey(yaml, 'bob')).toBe(other);
    expect(keyringPublicKey(yaml, 'carol')).toBeNull();

    const file = join(tempDir(), 'team.json');
    writeFileSync(file, JSON.stringify({ keys: { alice: FIXTURE_PUBLIC } }, null, 2));
    expect(loadKeyring(file).keys).toEqual({ alice: FIXTURE_PUBLIC });
  });

  it('lists every wrong entry with its line, name and why', () => {
    const text = [
      'keys:', // 1
      '  alice: ed25519:AAAA', // 2
      `  ALICE: ${FIXTURE_PUBLIC}`, // 3
      `  alice: ${FIXTURE_PUBLIC}`, // 4: YAML refuses exact duplicates itself
    ].join('\n');
    expect(() => parseKeyring(text, 'dup.yaml')).toThrow(/keyring dup\.yaml is not valid:\n {2}- line 4: YAML syntax error: Map keys must be unique/);

    const entries = [
      'keys:', // 1
      '  alice: ed25519:AAAA', // 2
      `  ALICE: ${FIXTURE_PUBLIC}`, // 3
      `  -bob: ${FIXTURE_PUBLIC}`, // 4
      '  carol: [1, 2]', // 5
      `  dave: "${RSA_PUBLIC_LINE}"`, // 6
      `  erin: ${FIXTURE_PUBLIC}`, // 7
      'owner: alice', // 8
    ].join('\n');
    let message = '';
    try {
      parseKeyring(entries, 'team.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'keyring team.yaml is not valid:',
      '  - line 2: keys.alice: the base64 after "ed25519:" holds 3 bytes; an Ed25519 public key is 32',
      '  - line 3: keys.ALICE: alice is listed already (usernames compare without case); list each person once',
      expect.stringMatching(/^ {2}- line 4: keys\.-bob: the name must be a GitLab username/),
      expect.stringMatching(/^ {2}- line 5: keys\.carol: must be public key text: "ed25519:/),
      '  - line 6: keys.dave: is a ssh-rsa key; only Ed25519 keys sign decisions: "ed25519:<base64 of the 32-byte key>" (as `rollout keys show` prints it) or an OpenSSH line "ssh-ed25519 AAAA… [comment]"',
      '  - line 8: unknown field "owner"; a keyring has one field, keys',
      'Expected, in YAML or JSON:',
      'keys:',
      '  alice: "ed25519:<base64>"',
      '  bob: "ssh-ed25519 AAAA… bob@laptop"',
    ]);
  });

  it('says what is wrong with the file as a whole', () => {
    expect(() => parseKeyring('- alice\n', 'list.yaml')).toThrow(/line 1: the keyring must be a mapping with one field, keys/);
    expect(() => parseKeyring('keys: alice\n', 'flat.yaml')).toThrow(/line 1: keys must be a mapping of usernames to public keys/);
    expect(() => parseKeyring('other: 1\n', 'none.yaml')).toThrow(/unknown field "other"[\s\S]*keys must be a mapping/);
    expect(() => parseKeyring('keys: {alice: "x"\n', 'broken.yaml')).toThrow(/broken\.yaml is not valid:\n {2}- line \d+: YAML syntax error/);
    expect(() => loadKeyring(join(tempDir(), 'absent.yaml'))).toThrow(/cannot read the keyring .*absent\.yaml: no such file/);
  });
});
