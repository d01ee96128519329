// The worker's observability from its configuration: the health/metrics server on METRICS_ADDRESS and the tracking gauges.
import type { NativeConnection, Runtime, State as WorkerState } from '@temporalio/worker';
import type { Logger } from 'pino';
import { maskUrlPassword, type AppConfig } from '../config/load-config';
import type { RedisClient } from '../redis/redis-client';
import { startHealthServer } from '../worker/health-server';
import { redisCheck, temporalCheck, workerCheck } from './readiness-checks';
import { startTrackingGauges } from './tracking-gauges';

export interface WorkerObservabilityOptions {
  config: AppConfig;
  runtime: Runtime;
  /** The runtime's internal Prometheus exporter (see installWorkerRuntime); null when metrics are off. */
  prometheusAddress: string | null;
  connection: NativeConnection;
  redis: RedisClient;
  /** The Temporal worker's state; STARTING until it is created. */
  workerState: () => WorkerState | 'STARTING';
  logger: Logger;
}

export interface WorkerObservability {
  /** Where /metrics, /healthz and /readyz are served; null when METRICS_ADDRESS=off. */
  url: string | null;
  close(): Promise<void>;
}

export async function startWorkerObservability(options: WorkerObservabilityOptions): Promise<WorkerObservability> {
  const { config, runtime, prometheusAddress, connection, redis, workerState, logger } = options;
  const address = config.metrics.address;
  if (address === null) return { url: null, close: () => Promise.resolve() };
  const server = await startHealthServer({
    address,
    prometheusAddress,
    liveness: [workerCheck(config.temporal.taskQueue, workerState)],
    readiness: [temporalCheck(connection, config.temporal.address, config.temporal.namespace), redisCheck(redis, { url: config.redisUrl, cluster: config.redis.cluster })],
  });
  const gauges = startTrackingGauges({
    meter: runtime.metricMeter,
    redis,
    flag: config.tracking.flag,
    redisTarget: maskUrlPassword(config.redisUrl),
    onError: (message) => logger.warn({ component: 'tracking-gauges' }, message),
  });
  logger.info({ url: server.url, endpoints: ['/metrics', '/healthz', '/readyz'] }, `serving metrics and health on ${server.url}`);
  return {
    url: server.url,
    close: async () => {
      gauges.stop();
      await server.close();
    },
  };
}
