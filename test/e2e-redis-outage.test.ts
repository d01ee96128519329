// Redis down for longer than a rollout used to survive: it pauses (flag writes retry, guard reads are "unreadable") and completes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { FINAL_STATES, type RolloutStatus } from '../workflows/rollout-status';
import { ALL_READINESS } from './support/time-skipping-harness';
import { pollUntil } from './support/eventually';
import { installQuietRuntime } from '../worker/install-quiet-runtime';

const FLAG = 'outage_flag';
/** Longer than the ~40 s after which a rollout used to give up on Redis and roll back. */
const OUTAGE_MS = 45_000;
const TASK_QUEUE = 'outage-tests';

let dataDir: string;
let redisServer: RunningRedis;
let temporal: RunningTemporalDevServer;
let nativeConnection: NativeConnection;
let connection: Connection;
let workerRedis: Redis;
let worker: Worker;
let running: Promise<void>;
let rollouts: RolloutClient;

beforeAll(async () => {
  installQuietRuntime();
  dataDir = mkdtempSync(join(tmpdir(), 'rollout-outage-'));
  redisServer = await startRedisServer({ dataDir });
  temporal = await startTemporalDevServer();
  nativeConnection = await NativeConnection.connect({ address: temporal.address });
  workerRedis = createWorkerRedis(redisServer.url);
  worker = await createRolloutWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, redis: workerRedis });
  running = worker.run();
  connection = await Connection.connect({ address: temporal.address });
  rollouts = new RolloutClient(new Client({ connection }), TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  workerRedis?.disconnect();
  await nativeConnection?.close();
  await connection?.close();
  await temporal?.stop();
  await redisServer?.stop();
});

const until = async (ok: (s: RolloutStatus) => boolean, what: string, timeoutMs = 30_000) =>
  (await pollUntil(() => rollouts.status(FLAG), ok, { what, timeoutMs, intervalMs: 250 })).value;

it('pauses through a 45 s Redis outage at a gate and during a flag write, then completes with exactly the planned gates', async () => {
  const plan = parsePlan({
    flag: FLAG,
    ramp: { steps: [50, 100], soak: '2s' },
    verification: '5s',
    guard: { interval: '1s', minSample: 0 },
    approvalTimeout: '10m',
    signing: { mode: 'keyless' },
  });
  await rollouts.start(plan);
  await until((s) => s.pendingGate === 'staging-qa', 'staging-qa');
  await rollouts.send(FLAG, 'approve', { gate: 'staging-qa', by: 'alice' }, 30_000);
  await until((s) => s.pendingGate === 'production-qa', 'production-qa');
  await rollouts.send(FLAG, 'approve', { gate: 'production-qa', by: 'bob' }, 30_000);
  await until((s) => s.pendingGate === 'global-readiness', 'global-readiness');

  await redisServer.stop();
  const outageStarted = Date.now();
  // Readings fail while the gate waits: recorded as unreadable, never a rollback.
  const blind = await until((s) => s.guard.unreadableSince !== null, 'an unreadable guard reading');
  expect(blind.lastVolume).toMatchObject({ verdict: 'unreadable' });
  // Approving needs no Redis; the ramp's first write then retries until Redis is back.
  await rollouts.send(FLAG, 'approve', { gate: 'global-readiness', by: 'alice', confirmed: [...ALL_READINESS] }, 30_000);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStarted)));
  const during = await rollouts.status(FLAG);
  expect(during.state).toBe('running');
  expect(during.stage).toBe('ramp');
  expect(during.percentage).toBe(0); // the 50 % write has not gone through yet

  redisServer = await startRedisServer({ dataDir, port: redisServer.port });
  const done = await until((s) => FINAL_STATES.includes(s.state), 'the end of the rollout', 120_000);
  expect(done.state).toBe('completed');
  expect(done.outcome?.cause).toBeUndefined();
  expect(done.guard.decisions.some((d) => d.verdict === 'unreadable')).toBe(true);
  expect(done.lastVolume).toMatchObject({ verdict: 'within-budget' });

  const admin = createWorkerRedis(redisServer.url);
  try {
    const store = new RedisFlagStore(admin);
    for (const env of ['dev', 'staging', 'staging-ref'] as const) expect(await store.get(FLAG, env)).toEqual({ boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null });
    expect(await store.get(FLAG, 'production')).toEqual({
      boolean: true,
      actors: ['group:gitlab-com', 'group:gitlab-org', 'project:gitlab-com/www-gitlab-com', 'project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss'],
      groups: [],
      percentageOfActors: 100,
      percentageOfTime: null,
    });
  } finally {
    admin.disconnect();
  }
}, 240_000);
