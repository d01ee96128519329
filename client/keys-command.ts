// `rollout keys generate|show|check`: a person's Ed25519 key pair for signing decisions, and checking a keyring file.
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parsePublicKey } from '../signing/decision-signature';
import { generateKeyFiles, KEYS_DIR_ENV, keyFiles, keysDirectory } from '../signing/key-directory';
import { readSigningKey } from '../signing/signing-key';
import { SigningKeyError } from '../signing/signing-key-error';
import { UsageError } from './cli-errors';

interface KeysIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface KeyOptions {
  name: string;
  dir?: string;
  force?: boolean;
}

/** The `keys` command; `env` gives ROLLOUT_KEYS_DIR (the default key directory is ~/.config/rollout/keys). */
export function keysCommand(io: KeysIo, env: NodeJS.ProcessEnv = process.env): Command {
  const dirHelp = `key directory (default: $${KEYS_DIR_ENV}, else ~/.config/rollout/keys)`;
  const keys = new Command('keys')
    .description('Ed25519 keys that sign approve, reject, abort, pause and resume (see "Signed decisions" in the README)')
    // Subcommands are made before this command is added to the program: give them its settings (exit, output) when used.
    .hook('preSubcommand', (self, sub) => void sub.copyInheritedSettings(self));

  keys
    .command('generate')
    .description('make a key pair for <name>: <dir>/<name>.key (private, mode 0600, stays on this machine) and <dir>/<name>.pub; prints the public key')
    .requiredOption('--name <user>', 'whose key (their GitLab username)')
    .option('--dir <dir>', dirHelp)
    .option('--force', 'replace an existing key pair (the old key stops counting wherever it is listed)')
    .action((opts: KeyOptions) => {
      const dir = opts.dir ?? keysDirectory(env);
      const generated = usage(() => generateKeyFiles(dir, opts.name, { force: opts.force }));
      io.stdout(generated.publicKeyText);
      io.stderr(
        `wrote ${generated.privateKey} (private key, mode 0600: keep it on this machine) and ${generated.publicKey}.\n` +
          `List the public key in the plan, e.g.\n  signing:\n    keys:\n      ${opts.name}: "${generated.publicKeyText}"`,
      );
    });

  keys
    .command('show')
    .description("print <name>'s public key (from <dir>/<name>.key, else <dir>/<name>.pub)")
    .requiredOption('--name <user>', 'whose key')
    .option('--dir <dir>', dirHelp)
    .action((opts: KeyOptions) => {
      io.stdout(usage(() => showPublicKey(opts.dir ?? keysDirectory(env), opts.name)));
    });

  keys
    .command('check')
    .description('check a keyring file (YAML or JSON: keys: { alice: "ed25519:…", bob: "ssh-ed25519 …" }) and print its keys normalised')
    .argument('<file>')
    .option('--json', 'print as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      // Loaded here, not at the top: the keyring reader brings YAML, which only `keys check` needs.
      const { loadKeyring } = await import('../signing/keyring');
      const keyring = usage(() => loadKeyring(file));
      const entries = Object.entries(keyring.keys);
      if (opts.json) io.stdout(JSON.stringify({ keys: keyring.keys }, null, 2));
      else io.stdout(entries.length === 0 ? '(no keys)' : entries.map(([name, key]) => `${name}: ${key}`).join('\n'));
    });

  return keys;
}

/** The public key of `name` in `dir`: derived from the private key when it is there (that is what signs), else the .pub file. */
function showPublicKey(dir: string, name: string): string {
  const files = keyFiles(dir, name);
  if (existsSync(files.privateKey)) return readSigningKey(files.privateKey).publicKey;
  if (existsSync(files.publicKey)) {
    const parsed = parsePublicKey(readFileSync(files.publicKey, 'utf8'));
    if (!parsed.ok) throw new SigningKeyError(`${files.publicKey}: ${parsed.problem}`);
    return parsed.key;
  }
  throw new SigningKeyError(`no key for ${name} in ${dir} (neither ${files.privateKey} nor ${files.publicKey}); make one with \`rollout keys generate --name ${name}\``);
}

/** Runs `work`; a key problem becomes a usage error (exit 2) with its message. */
function usage<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof SigningKeyError) throw new UsageError(err.message);
    throw err;
  }
}
