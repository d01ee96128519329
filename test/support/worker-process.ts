// Runs the standalone rollout worker (`worker/main.ts`) as a child process, so a test or benchmark can SIGKILL it or read its RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { stopChild } from '../../stack/redis-server';
import { pollUntil } from './eventually';

const ROOT = resolve(__dirname, '..', '..');
const WORKER_MAIN = resolve(ROOT, 'worker', 'main.ts');
/** How much of the worker's output is kept for error messages. */
const OUTPUT_KEPT = 8000;

export interface WorkerProcessOptions {
  /** The worker's configuration (TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, REDIS_URL, …), on top of PATH and HOME. */
  env: NodeJS.ProcessEnv;
  /** Extra `node` options, e.g. `--max-old-space-size=768`. */
  nodeOptions?: string[];
}

export interface WorkerProcess {
  pid: number;
  /** The identity the worker polls Temporal with (the SDK's default: `<pid>@<host>`). */
  identity: string;
  /** The worker's latest output (stdout and stderr), for error messages. */
  output(): string;
  /** Resident set size from /proc/<pid>/status (VmRSS), in bytes. */
  rssBytes(): number;
  /** Peak resident set size (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Kills at once, like a crashed machine: no graceful shutdown, nothing handed back to the server. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Starts `worker/main.ts` under Node with tsx (the process is the worker itself, not a wrapper, so signals reach it). */
export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeOptions ?? []), '--import', 'tsx', WORKER_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', METRICS_ADDRESS: 'off', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start the worker process (${process.execPath} ${WORKER_MAIN})`);
  const pid = child.pid;
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const memory = (field: 'VmRSS' | 'VmHWM') => {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
    if (!line) throw new Error(`no ${field} in /proc/${pid}/status (has the worker exited? ${output.slice(-500)})`);
    return Number(line[1]) * 1024;
  };
  return {
    pid,
    identity: `${pid}@${hostname()}`,
    output: () => output,
    rssBytes: () => memory('VmRSS'),
    peakRssBytes: () => memory('VmHWM'),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child),
  };
}

/** The identities polling `taskQueue` for workflow tasks, as the Temporal server sees them. */
export async function workflowPollers(client: Client, taskQueue: string): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).map((poller) => poller.identity ?? '');
}

/** Waits until the worker polls `taskQueue` (bundling the workflows takes a while on a busy machine); throws with its output if it exits first. */
export async function waitUntilPolling(client: Client, taskQueue: string, worker: WorkerProcess, timeoutMs = 120_000): Promise<void> {
  await pollUntil(
    async () => {
      try {
        process.kill(worker.pid, 0);
      } catch {
        throw new Error(`worker ${worker.identity} exited before polling task queue ${taskQueue}: ${worker.output()}`);
      }
      return workflowPollers(client, taskQueue);
    },
    (identities) => identities.includes(worker.identity),
    { what: `worker ${worker.identity} polling task queue ${taskQueue}`, timeoutMs, intervalMs: 250 },
  );
}
