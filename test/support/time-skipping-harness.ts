// Test harness: a time-skipping Temporal server, a real Redis and a rollout worker, shared by one suite.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type Redis from 'ioredis';
import { finalStatusOf } from '../../client/rollout-client';
import { RedisFlagStore } from '../../flags/redis-flag-store';
import { durationToMs } from '../../plan/duration-text-schema';
import { parsePlan } from '../../plan/parse-plan';
import type { RolloutPlan } from '../../plan/rollout-plan';
import type { NotifySettings } from '../../notify/notify-settings';
import type { FreezeSource } from '../../change-control/freeze-source';
import { startRedisServer, type RunningRedis } from '../../stack/redis-server';
import { registerRolloutSearchAttributes } from '../../stack/register-search-attributes';
import { temporalTestServerPath } from '../../stack/temporal-binaries';
import { snowplowSentCounterKey, snowplowSentPerSecondKey, utcDay } from '../../volume/snowplow-counter-keys';
import { pollUntil } from './eventually';
import { installQuietRuntime } from '../../worker/install-quiet-runtime';
import { bundleRolloutWorkflows, createRolloutWorker } from '../../worker/create-rollout-worker';
import { createWorkerRedis } from '../../worker/create-worker-redis';
import * as messages from '../../workflows/messages';
import type { rolloutWorkflow } from '../../workflows/rollout-workflow';
import { REMINDER_FRACTIONS } from '../../workflows/waits';
import { rolloutWorkflowId, type RolloutStatus } from '../../workflows/rollout-status';

export const TASK_QUEUE = 'rollout-tests';

export interface Harness {
  env: TestWorkflowEnvironment;
  redis: Redis;
  store: RedisFlagStore;
  start(plan: Partial<RolloutPlan> & { flag: string }): Promise<WorkflowHandleWithFirstExecutionRunId<typeof rolloutWorkflow>>;
  waitFor(handle: WorkflowHandle<typeof rolloutWorkflow>, predicate: (s: RolloutStatus) => boolean, what: string): Promise<RolloutStatus>;
  /**
   * Skips time in `step`s (15m by default, at most `limit`, 12h by default) until the status meets `predicate`. Each step
   * starts only after a query has answered, so no skip races a workflow task; the server's sleep has hung when it did.
   */
  skipUntil(
    handle: WorkflowHandle<typeof rolloutWorkflow>,
    predicate: (s: RolloutStatus) => boolean,
    what: string,
    options?: { step?: string; limit?: string },
  ): Promise<RolloutStatus>;
  /**
   * Sends a signal once no timer of the rollout is due within a few seconds (skipping past one that is), and returns
   * once the workflow has processed it: the test server wedges a run whose timer fires in the same workflow task as a
   * signal that cancels it (temporalio/sdk-java#2606).
   */
  signal<Args extends unknown[]>(handle: WorkflowHandle<typeof rolloutWorkflow>, definition: SignalDefinition<Args>, ...args: Args): Promise<void>;
  /** Approves staging-qa, production-qa and global-readiness (with the whole checklist) as `by`, each once it is pending. */
  passGates(handle: WorkflowHandle<typeof rolloutWorkflow>, by?: string): Promise<void>;
  /** The final status: the result of a completed rollout, or the details of a rolled-back one's failure. */
  finalStatus(handle: WorkflowHandle<typeof rolloutWorkflow>): Promise<RolloutStatus>;
  /** Sets today's sent count of `flag` (what the guard compares with the budget). */
  setVolume(flag: string, count: number): Promise<void>;
  /** Records `count` events sent a second ago (a complete second): the guard's rate window (real time) sees them. */
  addTraffic(flag: string, count: number): Promise<void>;
  close(): Promise<void>;
}

/** `notify`: the webhooks the worker's notify activity posts to (none by default); `freeze`: where freezes are read. */
export async function startTimeSkippingHarness({ notify, freeze }: { notify?: NotifySettings; freeze?: FreezeSource } = {}): Promise<Harness> {
  installQuietRuntime();
  const redisServer: RunningRedis = await startRedisServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  // The time-skipping server refuses upserts of attributes it does not know, and takes no flag to declare them at start.
  await registerRolloutSearchAttributes(env.connection, env.namespace ?? 'default');
  const workflowBundle = await bundleRolloutWorkflows();
  const redis = createWorkerRedis(redisServer.url);
  const worker: Worker = await createRolloutWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    redis,
    workflowBundle,
    notify,
    freeze,
  });
  const running = worker.run();

  const query = (handle: WorkflowHandle<typeof rolloutWorkflow>, what: string) =>
    withWatchdog(handle.query(messages.status), QUERY_WATCHDOG_MS, `the status query on the way to ${what}`, () => stuckState(handle));
  const waitFor: Harness['waitFor'] = async (handle, predicate, what) =>
    (await pollUntil(() => query(handle, what), predicate, { what, timeoutMs: 20_000, intervalMs: 50 })).value;

  const skipUntil: Harness['skipUntil'] = async (handle, predicate, what, { step = '15m', limit = '12h' } = {}) => {
    const stepMs = durationToMs(step)!;
    for (let skipped = 0; ; skipped += stepMs) {
      const status = await query(handle, what);
      if (predicate(status)) return status;
      if (skipped >= durationToMs(limit)!) {
        throw new Error(`skipped ${limit} without reaching ${what}; last status: ${JSON.stringify(status, null, 2)}`);
      }
      await withWatchdog(env.sleep(stepMs), SLEEP_WATCHDOG_MS, `the test server's sleep of ${step} on the way to ${what}`);
    }
  };

  const signal: Harness['signal'] = async (handle, definition, ...args) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const status = await query(handle, `a moment to send ${definition.name}`);
      const now = await env.currentTimeMs();
      const soon = upcomingTimers(status).filter((at) => at >= now && at - now < TIMER_MARGIN_MS);
      if (soon.length === 0) break;
      await withWatchdog(env.sleep(Math.max(...soon) - now + TIMER_MARGIN_MS), SLEEP_WATCHDOG_MS, `the test server's sleep past a timer before ${definition.name}`);
    }
    await handle.signal(definition, ...args);
    // A query is answered once the signal's workflow task is done: a result() or sleep that follows (and lets time
    // skip) then cannot fire a timer that this task cancels (temporalio/sdk-java#2606).
    await query(handle, `the workflow task of ${definition.name}`);
  };

  return {
    env,
    redis,
    store: new RedisFlagStore(redis),
    async start(partial) {
      // Tests send unsigned messages as the UI would; signed decisions have their own tests.
      const plan = parsePlan({ signing: { mode: 'keyless' }, ...partial });
      return env.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: rolloutWorkflowId(plan.flag),
        args: [{ plan }],
      });
    },
    waitFor,
    skipUntil,
    signal,
    async passGates(handle, by = 'alice') {
      for (const gate of ['staging-qa', 'production-qa', 'global-readiness'] as const) {
        await waitFor(handle, pendingGateIs(gate), gate);
        await signal(handle, messages.approve, { gate, by, confirmed: gate === 'global-readiness' ? [...ALL_READINESS] : undefined });
      }
    },
    finalStatus: (handle) => withWatchdog(finalStatus(handle), RESULT_WATCHDOG_MS, `the result of ${handle.workflowId}`, () => stuckState(handle)),
    async setVolume(flag, count) {
      await redis.set(snowplowSentCounterKey(flag, utcDay(new Date())), String(count));
    },
    async addTraffic(flag, count) {
      await redis.incrby(snowplowSentPerSecondKey(flag, Math.floor(Date.now() / 1000) - 1), count);
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
      redis.disconnect();
      await redisServer.stop();
    },
  };
}

/** Real time one skip of the test server may take before the test fails with a clear message instead of the suite's timeout. */
const SLEEP_WATCHDOG_MS = 60_000;
/** … one status query, and the wait for a rollout's result (time skips meanwhile). */
const QUERY_WATCHDOG_MS = 30_000;
const RESULT_WATCHDOG_MS = 90_000;

async function withWatchdog<T>(work: Promise<T>, ms: number, what: string, explain?: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const said = explain ? explain().catch((error: unknown) => `(could not describe it: ${String(error)})`) : Promise.resolve('');
      void said.then((state) => reject(new Error(`${what} did not return within ${ms} ms${state ? `; ${state}` : ''}`)));
    }, ms);
  });
  try {
    return await Promise.race([work, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** How close to a timer a signal may be sent (server time). */
const TIMER_MARGIN_MS = 3000;

/** The rollout's timers the status tells of: the next guard check, the gate's reminders, the current soak's end. */
function upcomingTimers(status: RolloutStatus): number[] {
  const times: number[] = [];
  if (status.guard.nextCheckAt) times.push(Date.parse(status.guard.nextCheckAt));
  const timeoutMs = durationToMs(status.plan.approvalTimeout)!;
  if (status.gateDeadline) for (const fraction of REMINDER_FRACTIONS) times.push(Date.parse(status.gateDeadline) - (1 - fraction) * timeoutMs);
  const lastSet = status.steps.filter((step) => step.stage === 'ramp' && step.percentage !== undefined).at(-1);
  if (lastSet && status.stage === 'ramp') times.push(Date.parse(lastSet.at) + (durationToMs(status.plan.ramp.soak) ?? 0));
  return times;
}

/** Where a rollout that does not answer stands: its last history events and what Temporal says is pending. */
async function stuckState(handle: WorkflowHandle<typeof rolloutWorkflow>): Promise<string> {
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const events = (history.events ?? []).slice(-12).map((event) => Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key as keyof typeof event]));
  const task = description.raw.pendingWorkflowTask;
  return `last events: ${events.join(', ')}; pending activities: ${description.raw.pendingActivities?.length ?? 0}; pending workflow task: ${task ? JSON.stringify(task) : 'none'}`;
}

export function pendingGateIs(gate: string) {
  return (status: RolloutStatus): boolean => status.pendingGate === gate;
}

export const ALL_READINESS = [
  'milestone',
  'change-management',
  'oncall-2h',
  'docs',
  'announcement',
  'breaking-changes',
  'support-notified',
] as const;

/** The final status of a rollout: its result, or the status in the failure a rolled-back rollout closes with. */
export async function finalStatus(handle: WorkflowHandle<typeof rolloutWorkflow>): Promise<RolloutStatus> {
  try {
    return await handle.result();
  } catch (error) {
    const status = finalStatusOf(error);
    if (status === null) throw error;
    return status;
  }
}
