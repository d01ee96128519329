// Brings up a whole local stack in one process: Redis, a Snowplow collector, a Temporal dev server (with Web UI) and a rollout worker.
import { rolloutWorkerOptionsOf } from '../worker/rollout-worker-options-of';
import { mkdirSync } from 'node:fs';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../config/load-config';
import { bundleRolloutWorkflows, createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { startCollectorServer, type RunningCollector } from './collector-server';
import { freePort } from './free-port';
import { isPortFree } from './is-port-free';
import { startRedisServer } from './redis-server';
import { startTemporalDevServer } from './temporal-dev-server';

export interface EmbeddedStackOptions {
  /** Serve the Temporal Web UI (default true). */
  ui?: boolean;
  /** Prefer the standard ports (Temporal 7233, UI 8233, Redis 6379) when they are free, so CLI defaults work. */
  standardPorts?: boolean;
  /** Keep Temporal history and Redis data in this folder across restarts; omit for in-memory. */
  stateDir?: string;
  /** Extra environment for the configuration (task queue, key prefix, …). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface EmbeddedStack {
  config: AppConfig;
  uiUrl: string | null;
  /** The Snowplow-Micro-like collector the tracking path sends to (also in `config.tracking.collectorUrl`). */
  collector: RunningCollector;
  /** Shell exports that point the CLI at this stack. */
  cliEnv: string;
  /** Stops the rollout worker (the servers stay up): queries and updates then find nobody to answer. */
  stopWorker(): Promise<void>;
  /** Starts the rollout worker again after stopWorker (a no-op while it runs). */
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedStack(options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const log = options.log ?? (() => undefined);
  const pick = async (preferred: number) => (options.standardPorts && (await isPortFree(preferred)) ? preferred : freePort());
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    const redisServer = await startRedisServer({ port: await pick(6379), dataDir: options.stateDir });
    stops.push(() => redisServer.stop());
    log(`redis           ${redisServer.url}`);

    const collector = await startCollectorServer({ port: await pick(9090) });
    stops.push(() => collector.stop());
    log(`collector       ${collector.url}  (Snowplow Micro API: ${collector.url}/micro/all)`);

    const uiPort = options.ui === false ? undefined : await pick(8233);
    const temporal = await startTemporalDevServer({
      port: await pick(7233),
      uiPort,
      dbFilename: options.stateDir ? `${options.stateDir}/temporal.sqlite` : undefined,
    });
    stops.push(() => temporal.stop());
    log(`temporal        ${temporal.address}${temporal.uiUrl ? `  (Web UI ${temporal.uiUrl})` : ''}`);

    const config = loadConfig({
      ...options.env,
      TEMPORAL_ADDRESS: temporal.address,
      REDIS_URL: redisServer.url,
      SNOWPLOW_COLLECTOR_URL: collector.url,
    });
    const connection = await NativeConnection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const redis = createWorkerRedis(config.redisUrl, (_event, detail) => log(`worker: ${detail}`));
    stops.push(async () => void (await redis.quit()));
    // Bundled once, so the worker can be stopped and started again quickly.
    const workflowBundle = await bundleRolloutWorkflows();
    let worker: { instance: Worker; running: Promise<void> } | null = null;
    const startWorker = async () => {
      if (worker) return;
      const instance = await createRolloutWorker({ ...rolloutWorkerOptionsOf(config, connection, redis), workflowBundle });
      const running = instance.run().catch((err: unknown) => log(`worker stopped with an error: ${String(err)}`));
      worker = { instance, running };
    };
    const stopWorker = async () => {
      const current = worker;
      worker = null;
      if (!current) return;
      current.instance.shutdown();
      await current.running;
    };
    await startWorker();
    stops.push(stopWorker);
    log(`worker          task queue ${config.temporal.taskQueue}`);

    return {
      config,
      uiUrl: temporal.uiUrl,
      collector,
      cliEnv: `export TEMPORAL_ADDRESS=${temporal.address} REDIS_URL=${redisServer.url} TEMPORAL_TASK_QUEUE=${config.temporal.taskQueue} SNOWPLOW_COLLECTOR_URL=${collector.url}`,
      stopWorker,
      startWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
