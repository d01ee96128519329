// The CLI's keys command and signed decisions against a real Temporal dev server and a stand-in rollout that checks signatures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../config/load-config';
import { SIGNING_KEY_ENV } from '../signing/find-signing-key';
import { KEYS_DIR_ENV } from '../signing/key-directory';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { continueSignal, signedDecisionsWorkflow, takenQuery, type TakenDecision } from './support/signed-decisions-workflow';

const TASK_QUEUE = 'signing-cli';
let server: RunningTemporalDevServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let cli: (...argv: string[]) => Promise<CliResult>;
let keysDir: string;
const savedEnv = { [KEYS_DIR_ENV]: process.env[KEYS_DIR_ENV], [SIGNING_KEY_ENV]: process.env[SIGNING_KEY_ENV] };

beforeAll(async () => {
  installQuietRuntime();
  server = await startTemporalDevServer();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./support/signed-decisions-workflow'), logger: new DefaultLogger('WARN') });
  const native = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({ connection: native, taskQueue: TASK_QUEUE, workflowBundle });
  running = worker.run().finally(() => native.close());
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  cli = cliRunner(loadConfig({ TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE }));
  keysDir = mkdtempSync(join(tmpdir(), 'rollout-cli-keys-'));
  process.env[KEYS_DIR_ENV] = keysDir;
  delete process.env[SIGNING_KEY_ENV];
}, 120_000);

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  worker?.shutdown();
  await running;
  await connection?.close();
  await server?.stop();
});

/** Starts the stand-in rollout of `flag` (workflow rollout-<flag>) that takes signatures by these keys. */
async function startRollout(flag: string, keys: Record<string, string>) {
  return client.workflow.start(signedDecisionsWorkflow, { taskQueue: TASK_QUEUE, workflowId: `rollout-${flag}`, args: [{ flag, keys }] });
}

function expectFailure(result: CliResult, code: number, stderr: RegExp): void {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: '' });
  expect(result.stderr).toMatch(stderr);
}

async function generate(name: string, ...extra: string[]): Promise<string> {
  const out = await cli('keys', 'generate', '--name', name, ...extra);
  expect(out).toMatchObject({ code: 0 });
  return out.stdout.trim();
}

describe('rollout keys', () => {
  it('generates a key pair into the key directory, shows it, refuses to replace it, and checks keyrings', async () => {
    const out = await cli('keys', 'generate', '--name', 'dana');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=\n$/);
    expect(out.stderr).toContain(`wrote ${join(keysDir, 'dana.key')} (private key, mode 0600: keep it on this machine) and ${join(keysDir, 'dana.pub')}`);
    expect(out.stderr).toContain(`dana: "${out.stdout.trim()}"`);
    expect(await cli('keys', 'show', '--name', 'Dana')).toEqual({ code: 0, stdout: out.stdout, stderr: '' });

    const again = await cli('keys', 'generate', '--name', 'dana');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/dana\.key and .*dana\.pub already exist/);
    const elsewhere = mkdtempSync(join(tmpdir(), 'rollout-cli-other-'));
    const other = await cli('keys', 'generate', '--name', 'dana', '--dir', elsewhere);
    expect(other.code).toBe(0);
    expect(other.stdout).not.toBe(out.stdout);
    expect((await cli('keys', 'show', '--name', 'dana', '--dir', elsewhere)).stdout).toBe(other.stdout);

    expectFailure(await cli('keys', 'show', '--name', 'nobody'), 2, /no key for nobody in .*; make one with `rollout keys generate --name nobody`/);
    expectFailure(await cli('keys', 'generate'), 2, /required option '--name <user>' not specified/);

    const keyring = join(elsewhere, 'keyring.yaml');
    writeFileSync(keyring, `keys:\n  dana: ${out.stdout.trim()}\n  erin: ed25519:AAAA\n`);
    expectFailure(await cli('keys', 'check', keyring), 2, /line 3: keys\.erin: the base64 after "ed25519:" holds 3 bytes/);
    writeFileSync(keyring, `keys:\n  dana: ${out.stdout.trim()}\n`);
    expect(await cli('keys', 'check', keyring)).toEqual({ code: 0, stdout: `dana: ${out.stdout.trim()}\n`, stderr: '' });
  });
});

describe('signed decisions', () => {
  it('signs approve, pause, resume and abort for the rollout\'s first run, also after it continued as new', async () => {
    const flag = 'signed_cli_flag';
    const alice = await generate('alice');
    const carolDir = mkdtempSync(join(tmpdir(), 'rollout-cli-carol-'));
    const carol = await generate('carol', '--dir', carolDir);
    const handle = await startRollout(flag, { alice, carol });

    expect(await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'QA passed ✓')).toEqual({ code: 0, stdout: 'staging-qa approved by alice\n', stderr: '' });
    expect(await cli('pause', flag, '--by', 'alice', '--reason', 'incident in progress')).toMatchObject({ code: 0, stdout: 'paused by alice; the rollout holds where it is until resumed\n' });

    await handle.signal(continueSignal);
    await pollUntil(() => client.workflow.getHandle(handle.workflowId).describe(), (d) => d.runId !== handle.firstExecutionRunId, { what: 'the continued run', timeoutMs: 20_000, intervalMs: 50 });

    expect(await cli('resume', flag, '--by', 'alice', '--reason', 'incident resolved')).toMatchObject({ code: 0, stdout: 'resumed by alice; the rollout goes on\n' });
    expect(await cli('abort', flag, '--by', 'carol', '--reason', 'error rate up', '--key', join(carolDir, 'carol.key'))).toMatchObject({ code: 0, stdout: 'abort by carol taken; rolling back\n' });

    const taken: TakenDecision[] = await client.workflow.getHandle(handle.workflowId).query(takenQuery);
    expect(taken.map(({ kind, by, signed, run }) => ({ kind, by, signed, run }))).toEqual(
      [['approve', 'alice'], ['pause', 'alice'], ['resume', 'alice'], ['abort', 'carol']].map(([kind, by]) => ({ kind, by, signed: true, run: handle.firstExecutionRunId })),
    );
    const { signature, ...fields } = taken[0]!.payload as { signature: { signedAt: string; nonce: string; value: string } };
    expect(fields).toEqual({ gate: 'staging-qa', by: 'alice', comment: 'QA passed ✓' });
    expect(Object.keys(signature)).toEqual(['signedAt', 'nonce', 'value']);
    expect(signature.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(signature.nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(signature.value).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const nonces = taken.map((t) => (t.payload as { signature: { nonce: string } }).signature.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(carol).not.toBe(alice);
  });

  it('needs a key unless --unsigned, says where it looked, and a wrong key is refused by the rollout', async () => {
    const flag = 'signed_cli_refusals';
    const bob = await generate('bob');
    const handle = await startRollout(flag, { bob });

    const missing = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'frank');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `error: no signing key for frank: looked at --key (not given), ${SIGNING_KEY_ENV} (not set), ${join(keysDir, 'frank.key')}. ` +
        'Make one with `rollout keys generate --name frank` and have its public key listed in the plan\'s signing.keys, ' +
        `or name a key file with --key <file> or ${SIGNING_KEY_ENV}. A rollout whose plan is keyless takes --unsigned.`,
    );
    const noFile = await cli('reject', flag, '--gate', 'staging-qa', '--by', 'bob', '--reason', 'bug', '--key', join(keysDir, 'nope.key'));
    expectFailure(noFile, 2, /nope\.key: no such file/);
    expectFailure(await cli('abort', flag, '--by', 'bob', '--reason', 'x', '--unsigned', '--key', join(keysDir, 'bob.key')), 2, /--unsigned and --key contradict each other/);
    expect(await handle.query(takenQuery)).toEqual([]); // nothing was sent

    const unsigned = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'frank', '--unsigned');
    expect(unsigned).toMatchObject({ code: 0, stdout: 'staging-qa approved by frank\n' });
    expect(await handle.query(takenQuery)).toMatchObject([{ kind: 'approve', by: 'frank', signed: false, payload: { gate: 'staging-qa', by: 'frank' } }]);

    // bob's key, but signing as bob2 is not bob's: the rollout checks the signature with bob2's (absent) key.
    process.env[SIGNING_KEY_ENV] = join(keysDir, 'bob.key');
    try {
      const wrong = await cli('pause', flag, '--by', 'bob2', '--reason', 'x');
      expectFailure(wrong, 3, /refused: the signature does not verify with bob2's public key/);
      expect(await cli('pause', flag, '--by', 'bob', '--reason', 'incident')).toMatchObject({ code: 0 });
    } finally {
      delete process.env[SIGNING_KEY_ENV];
    }
    expect(bob).toMatch(/^ed25519:/);

    const none = await cli('approve', 'no_such_rollout', '--gate', 'staging-qa', '--by', 'bob');
    expectFailure(none, 4, /no rollout of no_such_rollout was found \(workflow rollout-no_such_rollout\)/);
  });
});
