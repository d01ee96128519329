// Redis over TLS for real: a redis-server that listens with TLS only and demands client certificates
// (--tls-auth-clients yes), reached with REDIS_URL=rediss://… and REDIS_TLS_CA_FILE/CERT_FILE/KEY_FILE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type FlagChangeRequest, type RevertRequest } from '../activities/create-activities';
import { EXIT_CODES } from '../client/cli-errors';
import { loadConfig, type AppConfig } from '../config/load-config';
import { emptyGates } from '../flags/flag-gates';
import { createFlagStore } from '../flags/create-flag-store';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { createRedisClient, redisSettingsOf } from '../redis/create-redis-client';
import type { RedisClient } from '../redis/redis-client';
import { redisSeriesReader } from '../report/redis-series-reader';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { RedisVolumeReader } from '../volume/redis-volume-reader';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { cliRunner } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';

const FLAG = 'tls_flag';
let dir: string;
let certificates: TestCertificates;
let server: RunningRedis;
const opened: RedisClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
  certificates = await makeTestCertificates(join(dir, 'pki'));
  const { caFile, serverCertFile: certFile, serverKeyFile: keyFile, clientCertFile, clientKeyFile } = certificates;
  server = await startRedisServer({ tls: { certFile, keyFile, caFile, authClients: true, clientCertFile, clientKeyFile } });
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.disconnect();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The configuration an operator writes: a rediss:// URL and the three PEM files (or fewer, with `without`). */
function configWith(without: ('REDIS_TLS_CERT_FILE' | 'REDIS_TLS_KEY_FILE' | 'REDIS_TLS_CA_FILE')[] = [], caFile = certificates.caFile): AppConfig {
  const env: Record<string, string> = {
    REDIS_URL: server.url,
    REDIS_TLS_CA_FILE: caFile,
    REDIS_TLS_CERT_FILE: certificates.clientCertFile,
    REDIS_TLS_KEY_FILE: certificates.clientKeyFile,
  };
  for (const name of without) delete env[name];
  return loadConfig(env);
}

const track = <T extends RedisClient>(client: T): T => {
  opened.push(client);
  return client;
};

it('listens with TLS only, on a rediss:// URL', () => {
  expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`);
});

it("serves the flag store and a worker's activities with the CA, client certificate and key from REDIS_TLS_*", async () => {
  const config = configWith();
  const problems: string[] = [];
  const redis = track(createWorkerRedis(config, (_event, detail) => problems.push(detail)));
  const activities = createActivities({ flagStore: createFlagStore({ redis, prefix: config.flagKeyPrefix }), volumeReader: new RedisVolumeReader(redis) });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

  const change: FlagChangeRequest = { flag: FLAG, environment: 'production', change: { kind: 'percentage', gate: 'percentageOfActors', value: 25 }, changeId: 'tls/1' };
  const applied = await env.run(activities.applyFlagChange, change);
  expect(applied).toEqual({ previous: null, current: { ...emptyGates(), percentageOfActors: 25 } });
  // The same id again is a retry: nothing more is written.
  expect(await env.run(activities.applyFlagChange, change)).toEqual(applied);
  await redis.set(snowplowSentCounterKey(FLAG, utcDay(new Date())), '42');
  expect(await env.run(activities.readEventVolume, { flag: FLAG, windowSeconds: 5 })).toMatchObject({ count: 42 });
  const revert: RevertRequest = { flag: FLAG, environment: 'production', changeId: 'tls/1', before: null };
  const reverted = await env.run(activities.revertFlagChange, revert);
  expect(reverted).toMatchObject({ reverted: true, gates: null });

  // A second client of the factory (the CLI's kind) reads what the worker wrote.
  const store = new RedisFlagStore(track(createRedisClient(redisSettingsOf(config))), { prefix: config.flagKeyPrefix });
  expect(await store.get(FLAG, 'production')).toBeNull();
  expect(problems).toEqual([]);
});

it('serves the CLI and the report reader over TLS too', async () => {
  const config = configWith();
  const migrate = await cliRunner(config)('flags', 'migrate', '--dry-run');
  expect(migrate).toMatchObject({ code: EXIT_CODES.ok, stderr: '' });
  const reader = redisSeriesReader(config);
  try {
    const series = await reader.read(FLAG, new Date('2026-05-04T09:00:00Z'), new Date('2026-05-04T09:02:00Z'));
    expect(series.counts).toEqual([0, 0, 0]);
  } finally {
    await reader.close();
  }
});

it('without a client certificate the server refuses, and the error names Redis and its address', async () => {
  const config = configWith(['REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE']);
  const problems: string[] = [];
  const redis = track(createWorkerRedis(config, (_event, detail) => problems.push(detail)));
  const store = new RedisFlagStore(redis, { prefix: config.flagKeyPrefix });
  const address = `Redis at rediss://127.0.0.1:${server.port}`;
  // The worker's command fails naming Redis, its address and why; the worker's log line says the same once.
  await expect(store.get(FLAG, 'production')).rejects.toThrow(`${address}: `);
  // The server's alert ("certificate required") is not always read before the connection breaks: either way the
  // message says what to set.
  const hint = /(tlsv13 alert certificate required: the server demands a client certificate|the server closed the TLS connection; if it demands client certificates)[;,] set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE/;
  await expect(store.get(FLAG, 'production')).rejects.toThrow(hint);
  await pollUntil(() => problems, (seen) => seen.length > 0, { what: 'a reported problem' });
  expect(problems[0]).toMatch(new RegExp(`^${address.replace(/[.]/g, '\\.')}: `));
  expect(problems.some((problem) => hint.test(problem))).toBe(true);

  const cli = await cliRunner(config)('flags', 'migrate', '--dry-run');
  expect(cli.code).toBe(EXIT_CODES.unreachable);
  expect(cli.stderr).toContain(`cannot reach ${address}: `);
  expect(cli.stderr).toMatch(hint);
});

it('with a CA that did not sign the server certificate the client refuses the server, naming it', async () => {
  const other = await makeTestCertificates(join(dir, 'other'), { caName: 'some other CA' });
  const config = configWith([], other.caFile);
  const problems: string[] = [];
  const redis = track(createWorkerRedis(config, (_event, detail) => problems.push(detail)));
  await expect(new RedisFlagStore(redis).get(FLAG, 'production')).rejects.toThrow(`Redis at rediss://127.0.0.1:${server.port}: `);
  await pollUntil(() => problems, (seen) => seen.length > 0, { what: 'a reported problem' });
  expect(problems[0]).toBe(
    `Redis at rediss://127.0.0.1:${server.port}: self-signed certificate in certificate chain: the server's certificate is not signed by a trusted CA; set REDIS_TLS_CA_FILE to the CA that signed it`,
  );
});
