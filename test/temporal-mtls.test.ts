// Mutual TLS for real: a Temporal dev server behind a TLS proxy that demands client certificates; the worker, the CLI process (variables, a TOML profile, flags) and refusals.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { loadConfig } from '../config/load-config';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import { freePort } from '../stack/free-port';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { rolloutWorkerOptionsOf } from '../worker/rollout-worker-options-of';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';
import { startTlsProxy, type RunningTlsProxy } from './support/tls-proxy';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const FLAG = 'mtls_rollout_flag';
const QUEUE = 'mtls-rollouts';

let dir: string;
let certs: TestCertificates;
let wrong: TestCertificates;
let temporal: RunningTemporalDevServer;
let redisServer: RunningRedis;
let proxy: RunningTlsProxy;
let planFile: string;
let configFile: string;
let mtlsEnv: Record<string, string>;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  installQuietRuntime();
  dir = mkdtempSync(join(tmpdir(), 'temporal-mtls-'));
  [certs, wrong] = await Promise.all([makeTestCertificates(join(dir, 'pki')), makeTestCertificates(join(dir, 'other-pki'), { caName: 'some other CA' })]);
  [temporal, redisServer] = await Promise.all([startTemporalDevServer(), startRedisServer()]);
  stops.push(() => temporal.stop(), () => redisServer.stop());
  proxy = await startTlsProxy({ target: temporal.address, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile });
  stops.push(() => proxy.stop());
  mtlsEnv = {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile,
    TEMPORAL_TASK_QUEUE: QUEUE,
    REDIS_URL: redisServer.url,
  };
  planFile = join(dir, 'fast.yaml');
  writeFileSync(
    planFile,
    ['ramp: { steps: [50, 100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 5m', 'signing: { mode: keyless }', 'requester: carol', ''].join('\n'),
  );
  configFile = join(dir, 'temporal.toml');
  writeFileSync(
    configFile,
    [
      '[profile.default]',
      `address = "127.0.0.1:${await freePort()}"`,
      '',
      '[profile.mtls]',
      `address = "${proxy.address}"`,
      '[profile.mtls.tls]',
      `client_cert_path = "${certs.clientCertFile}"`,
      `client_key_path = "${certs.clientKeyFile}"`,
      `server_ca_cert_path = "${certs.caFile}"`,
      'server_name = "localhost"',
      '',
    ].join('\n'),
  );

  // The worker connects only through the proxy, with the connection options the standalone worker uses.
  const config = loadConfig(mtlsEnv);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const redis: Redis = createWorkerRedis(config.redisUrl);
  const worker: Worker = await createRolloutWorker(rolloutWorkerOptionsOf(config, connection, redis));
  const running = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await running;
    await redis.quit();
    await connection.close();
  });
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for a child process with only the given Temporal settings: no TEMPORAL_* variable or config file of this machine. */
function processOptions(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  return { cwd: ROOT, env: { ...clean, HOME: dir, XDG_CONFIG_HOME: '', ...env }, timeout: 60_000 };
}

/** The `rollout` CLI as a process (TypeScript through tsx). */
async function rolloutProcess(env: Record<string, string>, ...argv: string[]): Promise<Outcome> {
  const options = processOptions(env);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'client/main.ts', ...argv], options);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const without = (env: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));

describe('over mutual TLS', () => {
  it('a worker and the CLI run a rollout end to end through the proxy', async () => {
    const cli = cliRunner(loadConfig(mtlsEnv), { unsigned: true });
    const accepted = proxy.accepted;
    expect(await cli('start', FLAG, '--plan', planFile)).toMatchObject({ code: 0, stdout: `rollout-${FLAG}\n` });
    const statusOf = async () => JSON.parse((await cli('status', FLAG, '--json')).stdout) as RolloutStatus;
    const until = async (ok: (s: RolloutStatus) => boolean, what: string) => (await pollUntil(statusOf, ok, { what, timeoutMs: 60_000, intervalMs: 200 })).value;
    await until((s) => s.pendingGate === 'staging-qa', 'the staging-qa gate');
    expect((await cli('approve', FLAG, '--gate', 'staging-qa', '--by', 'alice')).code).toBe(0);
    await until((s) => s.pendingGate === 'production-qa', 'the production-qa gate');
    expect((await cli('approve', FLAG, '--gate', 'production-qa', '--by', 'bob')).code).toBe(0);
    await until((s) => s.pendingGate === 'global-readiness', 'the global-readiness gate');
    const all = 'milestone,change-management,oncall-2h,docs,announcement,breaking-changes,support-notified';
    expect((await cli('approve', FLAG, '--gate', 'global-readiness', '--by', 'alice', '--confirm', all)).code).toBe(0);
    const done = await until((s) => s.state === 'completed', 'completion');
    expect(done.stage).toBe('completed');
    expect(proxy.accepted).toBeGreaterThan(accepted);
  });

  it('the CLI process lists and shows the rollout with the TEMPORAL_TLS_* variables', async () => {
    const listed = await rolloutProcess(mtlsEnv, 'list', '--all', '--json');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ flag: FLAG }));
    const status = await rolloutProcess(mtlsEnv, 'status', FLAG, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ flag: FLAG, state: 'completed' });
  });

  it('the CLI process connects with a TOML profile chosen by --profile, before or after the command', async () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_TASK_QUEUE: QUEUE, REDIS_URL: redisServer.url };
    // The default profile points at a closed port: only --profile mtls reaches Temporal.
    const listed = await rolloutProcess(env, 'list', '--all', '--profile', 'mtls');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(FLAG);
    const status = await rolloutProcess({ ...env, TEMPORAL_PROFILE: 'nonexistent' }, '--profile', 'mtls', 'status', FLAG, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ flag: FLAG, state: 'completed' });
  });

  it('--address and --namespace win over the variables and the profile', async () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'mtls', TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_TASK_QUEUE: QUEUE };
    const listed = await rolloutProcess(env, 'list', '--all', '--address', proxy.address);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(FLAG);
    const otherNamespace = await rolloutProcess(env, '--address', proxy.address, 'list', '--namespace', 'no-such-namespace');
    expect(otherNamespace.code).not.toBe(0);
    expect(otherNamespace.stderr).toMatch(/no-such-namespace/);
  });
});

describe('refused', () => {
  it('a CLI without a client certificate, naming Temporal, the address and why', async () => {
    const refusals = proxy.refusals.length;
    const out = await rolloutProcess(without(mtlsEnv, 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'), 'status', FLAG);
    expect(out.code).toBe(5); // unreachable
    expect(out.stderr).toContain(`cannot reach Temporal at ${proxy.address} (namespace default)`);
    expect(out.stderr).toContain('TLS: the server demands a client certificate (set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)');
    expect(proxy.refusals.slice(refusals)).toContain('peer did not return a certificate');
  });

  it('a worker without a client certificate: one log line naming Temporal and the address, exit 1', async () => {
    const env = { ...without(mtlsEnv, 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'), METRICS_ADDRESS: 'off' };
    const failed = await run(process.execPath, ['--import', 'tsx', 'worker/main.ts'], processOptions(env)).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    const lines = (failed?.stdout ?? '').trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.at(-1)?.msg).toContain(`cannot reach Temporal at ${proxy.address} (namespace default): `);
    expect(lines.at(-1)?.msg).toContain('the server demands a client certificate');
  });

  it('a server certificate from a CA the client does not trust (CLI and worker connection)', async () => {
    const env = { ...mtlsEnv, TEMPORAL_TLS_SERVER_CA_CERT_PATH: wrong.caFile };
    const out = await rolloutProcess(env, 'list');
    expect(out.code).toBe(5);
    expect(out.stderr).toContain(`cannot reach Temporal at ${proxy.address}`);
    expect(out.stderr).toContain("TLS: the server's certificate is not signed by a CA this client trusts");
    await expect(NativeConnection.connect(temporalConnectionOptions(loadConfig(env)))).rejects.toThrow(/UnknownIssuer/);
  });

  it('a client certificate from a CA the proxy does not trust', async () => {
    const refusals = proxy.refusals.length;
    const out = await rolloutProcess({ ...mtlsEnv, TEMPORAL_TLS_CLIENT_CERT_PATH: wrong.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_PATH: wrong.clientKeyFile }, 'list');
    expect(out.code).toBe(5);
    expect(out.stderr).toContain(`cannot reach Temporal at ${proxy.address}`);
    expect(out.stderr).toContain("TLS: the server closed the connection right after the handshake without a word (it refuses this client's certificate");
    expect(proxy.refusals.slice(refusals)).toContain('client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('bad settings fail before anything connects, naming the variable, the profile and the file', async () => {
    const accepted = proxy.accepted;
    const refusals = proxy.refusals.length;
    const missing = await rolloutProcess({ ...mtlsEnv, TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.crt') }, 'list');
    expect(missing.code).toBe(2); // usage: a configuration error
    expect(missing.stderr).toContain(`TEMPORAL_TLS_CLIENT_CERT_PATH=${join(dir, 'missing.crt')}: cannot read it (no such file)`);
    const keyOnly = await rolloutProcess(without(mtlsEnv, 'TEMPORAL_TLS_CLIENT_CERT_PATH'), 'list');
    expect(keyOnly.stderr).toContain(`TEMPORAL_TLS_CLIENT_KEY_PATH=${certs.clientKeyFile}: a client key needs its certificate too`);
    const profile = await rolloutProcess({ TEMPORAL_CONFIG_FILE: configFile }, 'list', '--profile', 'mtsl');
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain(`--profile mtsl: no profile "mtsl" in the Temporal config file ${configFile}, which has profiles "default", "mtls"`);
    expect(proxy.accepted).toBe(accepted);
    expect(proxy.refusals.length).toBe(refusals);
  });
});
