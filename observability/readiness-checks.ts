// The worker's health checks: its Temporal worker is running, Temporal answers, Redis answers PING — each naming what it checked.
import type { NativeConnection, State as WorkerState } from '@temporalio/worker';
import { maskUrlPassword } from '../config/load-config';
import { describeRedisAddress } from '../redis/describe-redis-address';
import type { RedisClient } from '../redis/redis-client';

/** One check's outcome, as /healthz and /readyz show it. */
export interface CheckResult {
  name: 'worker' | 'temporal' | 'redis';
  /** What was checked: a task queue, an address (passwords masked). */
  target: string;
  ok: boolean;
  /** Why it failed (absent when ok). */
  error?: string;
}

export type Check = () => Promise<CheckResult>;

/** How long a readiness probe waits for Temporal or Redis before it says the dependency does not answer. */
export const CHECK_TIMEOUT_MS = 2000;

/** Live while the Temporal worker polls its task queue (state RUNNING); starting, draining, stopped or failed is not. */
export function workerCheck(taskQueue: string, state: () => WorkerState | 'STARTING'): Check {
  return () => {
    const current = state();
    const ok = current === 'RUNNING';
    return Promise.resolve({ name: 'worker', target: `task queue ${taskQueue}`, ok, ...(ok ? {} : { error: `the Temporal worker is ${current}, not RUNNING` }) });
  };
}

/** Temporal answers a cheap call (GetSystemInfo) through the worker's own connection within the timeout. */
export function temporalCheck(connection: NativeConnection, address: string, namespace: string, timeoutMs = CHECK_TIMEOUT_MS): Check {
  const target = `${address} (namespace ${namespace})`;
  return async () => {
    try {
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
      return { name: 'temporal', target, ok: true };
    } catch (error) {
      return { name: 'temporal', target, ok: false, error: `Temporal at ${target} did not answer within ${timeoutMs} ms: ${messageOf(error)}` };
    }
  };
}

/** Redis answers PING within the timeout (through the worker's client, so its reconnect state is what counts). */
export function redisCheck(redis: RedisClient, settings: { url: string; cluster?: boolean }, timeoutMs = CHECK_TIMEOUT_MS): Check {
  const target = maskUrlPassword(settings.url);
  const redisAt = describeRedisAddress(settings);
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([redis.ping(), timeout]);
      return { name: 'redis', target, ok: true };
    } catch (error) {
      return { name: 'redis', target, ok: false, error: `${redisAt} did not answer PING: ${messageOf(error)}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
