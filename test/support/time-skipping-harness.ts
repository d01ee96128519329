// Test harness: a time-skipping Temporal server, a real Redis and a rollout worker, shared by one suite.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type Redis from 'ioredis';
import { finalStatusOf } from '../../client/rollout-client';
import { RedisFlagStore } from '../../flags/redis-flag-store';
import { durationToMs } from '../../plan/duration-text-schema';
import { parsePlan } from '../../plan/parse-plan';
import type { RolloutPlan } from '../../plan/rollout-plan';
import type { NotifySettings } from '../../notify/notify-settings';
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

/** `notify`: the webhooks the worker's notify activity posts to (none by default). */
export async function startTimeSkippingHarness({ notify }: { notify?: NotifySettings } = {}): Promise<Harness> {
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
  });
  const running = worker.run();

  const waitFor: Harness['waitFor'] = async (handle, predicate, what) =>
    (await pollUntil(() => handle.query(messages.status), predicate, { what, timeoutMs: 20_000, intervalMs: 50 })).value;

  const skipUntil: Harness['skipUntil'] = async (handle, predicate, what, { step = '15m', limit = '12h' } = {}) => {
    const stepMs = durationToMs(step)!;
    for (let skipped = 0; ; skipped += stepMs) {
      const status = await handle.query(messages.status);
      if (predicate(status)) return status;
      if (skipped >= durationToMs(limit)!) {
        throw new Error(`skipped ${limit} without reaching ${what}; last status: ${JSON.stringify(status, null, 2)}`);
      }
      await withWatchdog(env.sleep(stepMs), SLEEP_WATCHDOG_MS, `the test server's sleep of ${step} on the way to ${what}`);
    }
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
    async passGates(handle, by = 'alice') {
      for (const gate of ['staging-qa', 'production-qa', 'global-readiness'] as const) {
        await waitFor(handle, pendingGateIs(gate), gate);
        await handle.signal(messages.approve, { gate, by, confirmed: gate === 'global-readiness' ? [...ALL_READINESS] : undefined });
      }
    },
    finalStatus: (handle) => finalStatus(handle),
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

async function withWatchdog<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, watchdog]);
  } finally {
    clearTimeout(timer);
  }
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
