// A wait that ends on its timer in the very workflow task that brings a message, after the worker holding the rollout
// died: the message counts — whether the survivor had the rollout in its cache (it gives the fired timer first) or
// not — and every history replays; for a gate's reminder, a gate's deadline and a soak's end, by update and by
// signal, each on a task queue of its own with a victim and a survivor worker process.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import { RolloutClient } from '../client/rollout-client';
import { ENVIRONMENTS } from '../flags/environments';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { parsePlan } from '../plan/parse-plan';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import type { RolloutPlan } from '../plan/rollout-plan';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { replayRollouts } from '../worker/replay-running-rollouts';
import { FINAL_STATES, rolloutWorkflowId, type GateName, type RolloutStatus } from '../workflows/rollout-status';
import { pollUntil } from './support/eventually';
import { describeReplays } from './support/keep-failed-histories';
import { recordHistory } from './support/record-history';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from './support/worker-process';

const EventType = temporal.api.enums.v1.EventType;
/** After a worker dies, a query first waits out the sticky queue's schedule-to-start timeout (10 s). */
const STATUS_WAIT_MS = 30_000;
/**
 * When, before the timer fires, the victim answers a status query and is killed right after. The server sends the
 * fired timer's task to the victim's sticky queue (and on after its 10 s schedule-to-start timeout) only while the
 * victim's last poll there is recent; answering the query starts a new poll. Seconds ahead, so a busy machine cannot
 * make the kill come after the timer.
 */
const KILL_BEFORE_FIRE_MS = 4000;

let redisServer: RunningRedis;
let devServer: RunningTemporalDevServer;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  installQuietRuntime(); // for the replays at the end
  [redisServer, devServer] = await Promise.all([startRedisServer(), startTemporalDevServer()]);
  connection = await Connection.connect({ address: devServer.address });
  client = new Client({ connection });
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await connection?.close();
  await devServer?.stop();
  await redisServer?.stop();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function historyOf(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

/** A protobuf Timestamp or Duration in milliseconds. */
function millis(value: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(value?.seconds ?? 0) * 1000 + Math.floor((value?.nanos ?? 0) / 1e6);
}

function timerSummary(event: HistoryEvent): string {
  const data = event.userMetadata?.summary?.data;
  return data ? String(JSON.parse(Buffer.from(data).toString('utf8'))) : '';
}

interface Scenario {
  name: string;
  plan: RolloutPlan;
  /** Approvals that bring the rollout to the wait (while the victim runs it). */
  before: GateName[];
  /** The summary of the timer that is to fire while the victim is dead. */
  timer: string;
  /**
   * The message sent after that timer fired, before the survivor takes the task over: as an update (the CLI's way,
   * delivered with the task itself) or a signal (the UI's, written to the history at once).
   */
  message: { via: 'update' | 'signal'; kind: 'approve' | 'abort'; payload: Record<string, unknown> };
  /**
   * Whether an operator asks for the status while the victim is dead: the query goes to the survivor, which replays the
   * rollout into its cache for it and then runs the task from that cache, handing over the fired timer before an update.
   */
  statusAsked: boolean;
  /** The status the rollout must reach on the survivor. */
  reached: (status: RolloutStatus) => boolean;
}

function plan(flag: string, fields: Record<string, unknown>): RolloutPlan {
  return parsePlan({ flag, requester: 'carol', ramp: { steps: [50, 100], soak: '3s' }, verification: '3s', guard: { interval: '1s', minSample: 0 }, approvalTimeout: '10m', signing: { mode: 'keyless' }, ...fields });
}

const SCENARIOS: Scenario[] = [
  {
    name: 'worker-killed-gate-reminder-approved',
    plan: plan('failover_reminder', { approvalTimeout: '40s' }),
    before: [],
    timer: 'gate staging-qa: 50% reminder',
    message: { via: 'update', kind: 'approve', payload: { gate: 'staging-qa', by: 'alice' } },
    statusAsked: true,
    reached: (s) => s.pendingGate === 'production-qa',
  },
  {
    name: 'worker-killed-gate-deadline-approved',
    plan: plan('failover_deadline', { approvalTimeout: '24s' }),
    before: [],
    timer: 'gate staging-qa: deadline',
    message: { via: 'update', kind: 'approve', payload: { gate: 'staging-qa', by: 'alice' } },
    statusAsked: true,
    reached: (s) => s.pendingGate === 'production-qa',
  },
  {
    name: 'worker-killed-gate-deadline-approved-fresh',
    plan: plan('failover_deadline_fresh', { approvalTimeout: '24s' }),
    before: [],
    timer: 'gate staging-qa: deadline',
    message: { via: 'update', kind: 'approve', payload: { gate: 'staging-qa', by: 'alice' } },
    statusAsked: false,
    reached: (s) => s.pendingGate === 'production-qa',
  },
  {
    name: 'worker-killed-gate-deadline-signalled',
    plan: plan('failover_deadline_signal', { approvalTimeout: '24s' }),
    before: [],
    timer: 'gate staging-qa: deadline',
    message: { via: 'signal', kind: 'approve', payload: { gate: 'staging-qa', by: 'alice' } },
    statusAsked: true,
    reached: (s) => s.pendingGate === 'production-qa',
  },
  {
    name: 'worker-killed-soak-end-aborted',
    plan: plan('failover_soak', { ramp: { steps: [50, 100], soak: '15s' }, guard: { interval: '1m', minSample: 0 }, verification: '1m' }),
    before: ['staging-qa', 'production-qa', 'global-readiness'],
    timer: 'soak at 50%',
    message: { via: 'update', kind: 'abort', payload: { by: 'carol', reason: 'abort in the task that ends the soak' } },
    statusAsked: true,
    reached: (s) => FINAL_STATES.includes(s.state),
  },
];

async function run(scenario: Scenario): Promise<{ status: RolloutStatus; events: HistoryEvent[]; survivor: WorkerProcess }> {
  const { plan: rolloutPlan } = scenario;
  const taskQueue = `failover-${rolloutPlan.flag}`;
  const env = { TEMPORAL_ADDRESS: devServer.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: redisServer.url };
  const rollouts = new RolloutClient(client, taskQueue, STATUS_WAIT_MS);
  // Both workers poll before the rollout starts (bundling the workflows takes long on a busy machine, longer than the
  // timers here). Whichever takes the first workflow task is the victim: it holds the rollout, and every later task and
  // query goes to its sticky queue while it lives; the other, the survivor, holds nothing of it.
  const pair = [startWorkerProcess({ env }), startWorkerProcess({ env })];
  workers.push(...pair);
  await Promise.all(pair.map((worker) => waitUntilPolling(client, taskQueue, worker)));
  await rollouts.start(rolloutPlan);
  const handle = client.workflow.getHandle(rolloutWorkflowId(rolloutPlan.flag));
  const completedBy = (history: HistoryEvent[]) =>
    history.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? '');
  const first = await pollUntil(async () => completedBy(await historyOf(handle))[0], (identity) => identity !== undefined, {
    what: `${rolloutPlan.flag}: the first workflow task completed`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const victim = pair.find((worker) => worker.identity === first.value)!;
  const survivor = pair.find((worker) => worker !== victim)!;
  const status = (what: string, ok: (s: RolloutStatus) => boolean, timeoutMs = 60_000) =>
    pollUntil(() => rollouts.status(rolloutPlan.flag), ok, { what: `${rolloutPlan.flag}: ${what}`, timeoutMs, intervalMs: 200 });
  for (const gate of scenario.before) {
    await status(`waiting at ${gate}`, (s) => s.pendingGate === gate);
    const confirmed = gate === 'global-readiness' ? { confirmed: [...READINESS_ITEM_IDS] } : {};
    await rollouts.send(rolloutPlan.flag, 'approve', { gate, by: gate === 'production-qa' ? 'bob' : 'alice', ...confirmed }, 30_000);
  }
  const started = await pollUntil(
    async () => (await historyOf(handle)).find((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && timerSummary(e) === scenario.timer),
    (event) => event !== undefined,
    { what: `${rolloutPlan.flag}: timer "${scenario.timer}" started`, timeoutMs: 90_000, intervalMs: 100 },
  );
  const attributes = started.value!.timerStartedEventAttributes;
  const timerId = attributes?.timerId;
  const firesAt = millis(started.value!.eventTime) + millis(attributes?.startToFireTimeout);
  await sleepUntil(firesAt - KILL_BEFORE_FIRE_MS);
  await rollouts.status(rolloutPlan.flag);
  await victim.kill();
  if (Date.now() >= firesAt) throw new Error(`${rolloutPlan.flag}: the victim was killed only after "${scenario.timer}" fired (machine too busy?)`);
  // Until now only the victim ran the rollout.
  expect({ flag: rolloutPlan.flag, by: [...new Set(completedBy(await historyOf(handle)))] }).toEqual({ flag: rolloutPlan.flag, by: [victim.identity] });
  // The query waits on the dead victim's sticky queue as the task does, then goes to the survivor.
  const asked = scenario.statusAsked ? rollouts.status(rolloutPlan.flag) : Promise.resolve(null);
  // Nothing else asks the survivor for the rollout before it has the task.
  await pollUntil(
    async () => (await historyOf(handle)).some((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED && e.timerFiredEventAttributes?.timerId === timerId),
    (fired) => fired,
    { what: `${rolloutPlan.flag}: timer "${scenario.timer}" fired`, timeoutMs: 60_000, intervalMs: 100 },
  );
  const { via, kind, payload } = scenario.message;
  const taken =
    via === 'signal'
      ? handle.signal(kind, payload).then(() => kind)
      : rollouts.send(rolloutPlan.flag, kind, payload as never, 60_000).then((answer) => answer.message);
  const events = await pollUntil(
    () => historyOf(handle),
    (history) => history.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) > Number(started.value!.eventId) + 1 && e.workflowTaskCompletedEventAttributes?.identity === survivor.identity),
    { what: `${rolloutPlan.flag}: the survivor completed a workflow task`, timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(await taken).toBe(kind);
  await asked;
  const reached = await status('the state after the message', scenario.reached, 90_000);
  await recordHistory(scenario.name, handle);
  return { status: reached.value, events: events.value, survivor };
}

it('a message in the task where a wait\'s timer ends after a worker died counts, cached survivor or not, and the history replays', async () => {
  const results = await Promise.all(SCENARIOS.map(run));

  for (const [index, { events, survivor }] of results.entries()) {
    const scenario = SCENARIOS[index]!;
    // The case itself: the timer fired while the victim was dead, its task timed out on the victim's sticky queue, and
    // the survivor's first task brought the fired timer and the message together.
    const fired = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED && timerSummary(events.find((s) => s.eventId?.toString() === e.timerFiredEventAttributes?.startedEventId?.toString()) ?? {}) === scenario.timer);
    const done = events.findIndex((e, i) => i > fired && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const next = events.findIndex((e, i) => i > done && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const between = (from: number, to: number, type: temporal.api.enums.v1.EventType) => events.slice(from, to < 0 ? undefined : to).some((e) => e.eventType === type);
    const message =
      scenario.message.via === 'signal'
        ? between(fired, done, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        : between(done, next, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    expect({
      scenario: scenario.name,
      fired: fired >= 0,
      timedOut: between(fired, done, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT),
      message,
      by: events[done]?.workflowTaskCompletedEventAttributes?.identity,
    }).toEqual({ scenario: scenario.name, fired: true, timedOut: true, message: true, by: survivor.identity });
  }

  // The message counted: the approvals moved the gate on, the abort rolled back.
  const soak = results.at(-1)!.status;
  for (const { status } of results.slice(0, -1)) {
    expect(status.steps.filter((s) => s.gate === 'staging-qa').map((s) => `${s.action} by ${s.by}`)).toEqual(['approved by alice']);
    expect(status.pendingGate).toBe('production-qa');
  }
  expect({ state: soak.state, cause: soak.outcome?.cause }).toEqual({ state: 'rolled-back', cause: 'aborted' });
  const admin = new Redis(redisServer.url);
  try {
    const store = new RedisFlagStore(admin);
    // The flag did not exist before the rollout: restored, it does not exist again.
    for (const env of ENVIRONMENTS) expect({ env, gates: await store.get(soak.flag, env) }).toEqual({ env, gates: null });
  } finally {
    admin.disconnect();
  }

  // Every history written across the kill replays against this code (a worker that picks a rollout up later must replay it).
  const flags = SCENARIOS.map((s) => `'${rolloutWorkflowId(s.plan.flag)}'`).join(', ');
  const replays = await replayRollouts(client, `WorkflowId IN (${flags})`);
  expect((await describeReplays(client, replays)).sort()).toEqual(SCENARIOS.map((s) => `${rolloutWorkflowId(s.plan.flag)}: replays`).sort());
}, 300_000);
