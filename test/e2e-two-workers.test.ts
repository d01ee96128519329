// Two worker processes on one task queue, one SIGKILLed mid-rollout: every rollout completes once, with its planned gates.
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import { RolloutClient } from '../client/rollout-client';
import { ENVIRONMENTS } from '../flags/environments';
import { productionActorIds } from '../flags/actor-id';
import { RedisFlagStore, flagChangesChannel } from '../flags/redis-flag-store';
import { DEFAULT_FLAG_KEY_PREFIX } from '../flags/flipper-redis-keys';
import { parsePlan } from '../plan/parse-plan';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import type { RolloutPlan } from '../plan/rollout-plan';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { FINAL_STATES, rolloutWorkflowId, type GateName, type RolloutStatus } from '../workflows/rollout-status';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { replayRollouts } from '../worker/replay-running-rollouts';
import { pollUntil } from './support/eventually';
import { describeReplays } from './support/keep-failed-histories';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from './support/worker-process';

const TASK_QUEUE = 'two-workers';
const FLAGS = Array.from({ length: 6 }, (_, i) => `two_workers_${i}`);
/** Rollouts that are ramping (soak timers, guard reads) when the worker dies; the others wait at global-readiness. */
const RAMPING = FLAGS.slice(0, 3);
const GATED = FLAGS.slice(3);
/**
 * How long a status query may take. The server first offers a query to the sticky queue of the worker that last ran
 * the rollout and waits up to the sticky schedule-to-start timeout (the SDK's 10 s) before it falls back to the task
 * queue, so the first query after a worker dies may take that long; past it the survivor answers at once.
 */
const STATUS_WAIT_MS = 30_000;

let redisServer: RunningRedis;
let devServer: RunningTemporalDevServer;
let connection: Connection;
let client: Client;
let rollouts: RolloutClient;
let workers: WorkerProcess[] = [];
let subscriber: Redis;
/** Every flag write the store made, as it announced it on its changes channel (a replayed change id announces nothing). */
const writes: { env: string; flag: string }[] = [];

beforeAll(async () => {
  installQuietRuntime(); // for the replays at the end
  [redisServer, devServer] = await Promise.all([startRedisServer(), startTemporalDevServer()]);
  connection = await Connection.connect({ address: devServer.address });
  client = new Client({ connection });
  rollouts = new RolloutClient(client, TASK_QUEUE, STATUS_WAIT_MS);
  subscriber = new Redis(redisServer.url);
  subscriber.on('message', (_channel: string, message: string) => {
    const [env = '', flag = ''] = message.split('\n');
    writes.push({ env, flag });
  });
  await subscriber.subscribe(flagChangesChannel(DEFAULT_FLAG_KEY_PREFIX));
  const env = { TEMPORAL_ADDRESS: devServer.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, REDIS_URL: redisServer.url };
  workers = [startWorkerProcess({ env }), startWorkerProcess({ env })];
  await Promise.all(workers.map((worker) => waitUntilPolling(client, TASK_QUEUE, worker)));
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  subscriber?.disconnect();
  await connection?.close();
  await devServer?.stop();
  await redisServer?.stop();
});

function planOf(flag: string): RolloutPlan {
  return parsePlan({
    flag,
    requester: 'carol',
    ramp: { steps: [50, 100], soak: '3s' },
    verification: '3s',
    guard: { interval: '1s', minSample: 0 },
    approvalTimeout: '10m',
    signing: { mode: 'keyless' },
  });
}

const untilEach = (flags: string[], ok: (s: RolloutStatus) => boolean, what: string, timeoutMs = 60_000) =>
  Promise.all(flags.map(async (flag) => (await pollUntil(() => rollouts.status(flag), ok, { what: `${flag}: ${what}`, timeoutMs, intervalMs: 200 })).value));

async function approveAll(flags: string[], gate: GateName): Promise<void> {
  await untilEach(flags, (s) => s.pendingGate === gate, `waiting at ${gate}`);
  const confirmed = gate === 'global-readiness' ? { confirmed: [...READINESS_ITEM_IDS] } : {};
  await Promise.all(flags.map((flag) => rollouts.send(flag, 'approve', { gate, by: gate === 'production-qa' ? 'bob' : 'alice', ...confirmed }, 60_000)));
}

/** Asks for every rollout's status in turn until stopped, keeping each answer's time and every failure to answer. */
function watchStatuses() {
  const answers: { flag: string; at: number }[] = [];
  const failures: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const flag of FLAGS) {
        try {
          await rollouts.status(flag);
          answers.push({ flag, at: Date.now() });
        } catch (err) {
          failures.push(`${flag}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { failures, answersAfter: (flag: string, since: number) => answers.filter((a) => a.flag === flag && a.at > since).length };
    },
  };
}

/** The identities that started each workflow task of the rollout, oldest first (from its history). */
async function workflowTaskIdentities(flag: string): Promise<string[]> {
  const history = await client.workflow.getHandle(rolloutWorkflowId(flag)).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
    .map((event) => event.workflowTaskStartedEventAttributes?.identity ?? '');
}

it('completes every rollout exactly once when one of two workers is killed while soaks and gates wait', async () => {
  for (const flag of FLAGS) await rollouts.start(planOf(flag));
  await approveAll(FLAGS, 'staging-qa');
  await approveAll(FLAGS, 'production-qa');
  await approveAll(RAMPING, 'global-readiness');
  await untilEach(RAMPING, (s) => s.stage === 'ramp' && s.percentage === 50, 'soaking at 50 %');
  await untilEach(GATED, (s) => s.pendingGate === 'global-readiness', 'waiting at global-readiness');

  // The victim is the worker that last ran the first ramping rollout, so it dies with that rollout mid-soak.
  const lastRunBy = await Promise.all(FLAGS.map(async (flag) => (await workflowTaskIdentities(flag)).at(-1)));
  const victim = workers.find((w) => w.identity === lastRunBy[0])!;
  const survivor = workers.find((w) => w !== victim)!;
  const heldByVictim = FLAGS.filter((_, i) => lastRunBy[i] === victim.identity);
  const watch = watchStatuses();
  const killedAt = Date.now();
  let done: RolloutStatus[];
  let seen: Awaited<ReturnType<ReturnType<typeof watchStatuses>['stop']>>;
  try {
    await victim.kill();
    await approveAll(GATED, 'global-readiness');
    done = await untilEach(FLAGS, (s) => FINAL_STATES.includes(s.state), 'the end of the rollout', 90_000);
  } finally {
    seen = await watch.stop();
  }
  // The status answered throughout, every rollout's through the survivor after the kill (the victim's replay there).
  expect(seen.failures).toEqual([]);
  for (const flag of FLAGS) expect(seen.answersAfter(flag, killedAt)).toBeGreaterThan(3);

  for (const status of done) {
    expect({ flag: status.flag, state: status.state, cause: status.outcome?.cause }).toEqual({ flag: status.flag, state: 'completed', cause: undefined });
    // No step twice: each flag change once, in the planned order.
    const changes = status.steps.filter((s) => s.gates !== undefined).map((s) => `${s.environment} ${s.action}`);
    expect(changes).toEqual([
      'dev enabled globally',
      'staging enabled globally',
      'staging-ref enabled globally',
      'production enabled for actors',
      'production set 50% of actors',
      'production set 100% of actors',
      'production enabled globally',
    ]);
    // …and the store wrote each change once (a retried activity replays its change record and writes nothing).
    expect(writes.filter((w) => w.flag === status.flag).map((w) => w.env)).toEqual(['dev', 'staging', 'staging-ref', 'production', 'production', 'production', 'production']);
  }
  // The victim's rollouts went on on the survivor after the kill.
  for (const flag of heldByVictim) {
    const history = await client.workflow.getHandle(rolloutWorkflowId(flag)).fetchHistory();
    const after = (history.events ?? []).filter(
      (event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && Number(event.eventTime?.seconds ?? 0) * 1000 >= killedAt - 1000,
    );
    expect(after.map((event) => event.workflowTaskStartedEventAttributes?.identity)).toContain(survivor.identity);
  }

  // Every history written across the kill replays against this code (a worker that picks a rollout up later must replay it).
  const replays = await replayRollouts(client, "WorkflowType = 'rolloutWorkflow'");
  expect((await describeReplays(client, replays)).sort()).toEqual(FLAGS.map((flag) => `${rolloutWorkflowId(flag)}: replays`));

  const admin = new Redis(redisServer.url);
  try {
    const store = new RedisFlagStore(admin);
    const on = { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null };
    const production = { ...on, actors: productionActorIds(planOf(FLAGS[0]!).production.actors).sort(), percentageOfActors: 100 };
    for (const flag of FLAGS) {
      const gates = Object.fromEntries(await Promise.all(ENVIRONMENTS.map(async (env) => [env, await store.get(flag, env)] as const)));
      expect({ flag, gates }).toEqual({ flag, gates: { dev: on, staging: on, 'staging-ref': on, production } });
    }
  } finally {
    admin.disconnect();
  }
}, 180_000);
