// Rollouts on a real Redis Cluster (REDIS_CLUSTER=true, FLAG_KEY_PREFIX={flipper}) with a worker on a Temporal dev
// server: a whole rollout heard by a tracking process on the cluster, then one whose {flipper} master is killed
// mid-rollout while its replica takes over.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { RolloutClient } from '../client/rollout-client';
import { loadConfig, type AppConfig } from '../config/load-config';
import { ENVIRONMENTS } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { parsePlan } from '../plan/parse-plan';
import type { RedisClient } from '../redis/redis-client';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { startTrackingPath } from '../tracking/start-tracking-path';
import { bundleRolloutWorkflows, createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { rolloutWorkerOptionsOf } from '../worker/rollout-worker-options-of';
import { FINAL_STATES, type RolloutStatus } from '../workflows/rollout-status';
import { pollUntil } from './support/eventually';
import { startRedisCluster, type RunningRedisCluster } from './support/redis-cluster';
import { ALL_READINESS } from './support/time-skipping-harness';

const TASK_QUEUE = 'redis-cluster-rollouts';
const PREFIX = '{flipper}';

let cluster: RunningRedisCluster;
let temporal: RunningTemporalDevServer;
/** The worker's environment: REDIS_URL lists the six nodes, REDIS_CLUSTER=true, FLAG_KEY_PREFIX={flipper}. */
let clusterEnv: Record<string, string>;
let config: AppConfig;
let nativeConnection: NativeConnection;
let connection: Connection;
let workerRedis: RedisClient;
/** What the worker's Redis client reported (one line per problem, naming Redis). */
const reported: string[] = [];
let worker: Worker;
let running: Promise<void>;
let rollouts: RolloutClient;

beforeAll(async () => {
  installQuietRuntime();
  [cluster, temporal] = await Promise.all([startRedisCluster({ nodeTimeoutMs: 1000 }), startTemporalDevServer()]);
  clusterEnv = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, REDIS_URL: cluster.url, REDIS_CLUSTER: 'true', FLAG_KEY_PREFIX: PREFIX };
  config = loadConfig(clusterEnv);
  nativeConnection = await NativeConnection.connect({ address: temporal.address });
  // The worker's Redis as worker/main.ts makes it: from the configuration.
  workerRedis = createWorkerRedis(config, (event, detail) => reported.push(`${event}: ${detail}`));
  const options = rolloutWorkerOptionsOf(config, nativeConnection, workerRedis);
  worker = await createRolloutWorker({ ...options, workflowBundle: await bundleRolloutWorkflows() });
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
  await cluster?.stop();
});

const planFor = (flag: string) =>
  parsePlan({
    flag,
    ramp: { steps: [50, 100], soak: '2s' },
    verification: '3s',
    guard: { interval: '1s', minSample: 0 },
    approvalTimeout: '10m',
    signing: { mode: 'keyless' },
  });

const until = async (flag: string, ok: (s: RolloutStatus) => boolean, what: string, timeoutMs = 30_000) =>
  (await pollUntil(() => rollouts.status(flag), ok, { what, timeoutMs, intervalMs: 250 })).value;

async function approve(flag: string, gate: 'staging-qa' | 'production-qa' | 'global-readiness'): Promise<void> {
  await until(flag, (s) => s.pendingGate === gate, gate);
  await rollouts.send(flag, 'approve', { gate, by: 'alice', ...(gate === 'global-readiness' ? { confirmed: [...ALL_READINESS] } : {}) }, 30_000);
}

/** The gates the default plan leaves: on in every environment before production, on for 100 % of actors (and the pre-production actors) in production. */
const ON: FlagGates = { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null };
const PRODUCTION: FlagGates = {
  boolean: true,
  actors: ['group:gitlab-com', 'group:gitlab-org', 'project:gitlab-com/www-gitlab-com', 'project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss'],
  groups: [],
  percentageOfActors: 100,
  percentageOfTime: null,
};

async function expectPlannedGates(flag: string): Promise<void> {
  const store = new RedisFlagStore(workerRedis, { prefix: PREFIX });
  for (const env of ['dev', 'staging', 'staging-ref'] as const) expect(await store.get(flag, env)).toEqual(ON);
  expect(await store.get(flag, 'production')).toEqual(PRODUCTION);
}

it('runs a whole rollout with the worker on the cluster, and a tracking process on the cluster hears every change', async () => {
  const flag = 'cluster_flag';
  // A tracking process of the app, on the same cluster: its flag cache subscribes to {flipper}:changes.
  const tracking = await startTrackingPath(loadConfig({ ...clusterEnv, TRACKED_FLAG: flag, SNOWPLOW_COLLECTOR_URL: 'http://127.0.0.1:9', TRACKING_INSTANCE_ID: 'cluster-test' }));
  try {
    expect(ENVIRONMENTS.map((env) => tracking.cache.isEnabled(flag, env))).toEqual([false, false, false, false]);
    await rollouts.start(planFor(flag));
    for (const gate of ['staging-qa', 'production-qa', 'global-readiness'] as const) await approve(flag, gate);
    const done = await until(flag, (s) => FINAL_STATES.includes(s.state), 'the end of the rollout', 60_000);
    expect(done.state).toBe('completed');
    expect(done.lastVolume).toMatchObject({ verdict: 'within-budget' });
    await expectPlannedGates(flag);
    // Announced, not polled: the cache reloads on its own only every 30 s.
    await pollUntil(() => ENVIRONMENTS.map((env) => tracking.cache.isEnabled(flag, env)), (on) => on.every(Boolean), { what: 'the tracking cache to see the flag on', timeoutMs: 3000 });
    expect(reported).toEqual([]);
  } finally {
    await tracking.close(0);
  }
}, 90_000);

it('completes with exactly the planned gates when the master of the {flipper} slot is killed mid-rollout and its replica takes over', async () => {
  const flag = 'failover_flag';
  await rollouts.start(planFor(flag));
  await approve(flag, 'staging-qa');
  await approve(flag, 'production-qa');
  await until(flag, (s) => s.pendingGate === 'global-readiness', 'global-readiness');

  const slot = await cluster.slotOf(PREFIX);
  const master = await cluster.masterOfSlot(slot);
  const replica = (await cluster.view()).find((node) => node.masterId === master.id);
  expect(replica).toBeDefined();
  // Replication is asynchronous: the test kills the master once its replica has every write (dev, staging, staging-ref).
  await cluster.waitForReplicas(master.port);
  await cluster.killNode(master.port);
  // The production writes of the ramp now meet the failover: they fail, are retried, and land on the new master.
  await rollouts.send(flag, 'approve', { gate: 'global-readiness', by: 'alice', confirmed: [...ALL_READINESS] }, 30_000);

  const done = await until(flag, (s) => FINAL_STATES.includes(s.state), 'the end of the rollout', 90_000);
  expect(done.state).toBe('completed');
  expect(done.outcome?.cause).toBeUndefined();
  await expectPlannedGates(flag);
  // The replica serves the slot now, and the worker said what happened, naming the cluster and the node.
  expect((await cluster.waitUntilServing(slot)).port).toBe(replica!.port);
  expect(reported.some((line) => line.startsWith('error: Redis Cluster ') && line.includes(`127.0.0.1:${master.port}`))).toBe(true);
  expect(reported.join('\n')).not.toMatch(/Unhandled/);
  // An activity that failed on the way (a write that met the failover) was retried, and its failure names the cluster.
  const history = await new Client({ connection }).workflow.getHandle(done.workflowId).fetchHistory();
  const failures = (history.events ?? []).flatMap((event) => event.activityTaskStartedEventAttributes?.lastFailure?.message ?? []);
  for (const failure of failures) expect(failure).toMatch(/^Redis Cluster redis:\/\/127\.0\.0\.1:\d+(,redis:\/\/127\.0\.0\.1:\d+){5}: /);
}, 120_000);
