// Installs the worker's Temporal runtime: SDK and Core logs through the JSON logger at LOG_LEVEL, metrics on an internal Prometheus port.
import { Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freePort } from '../stack/free-port';
import { temporalLogger, temporalLogLevel } from '../worker/logger';

export interface WorkerRuntime {
  runtime: Runtime;
  /** host:port of the runtime's own Prometheus exporter on loopback (the health server serves its text on /metrics); null without metrics. */
  prometheusAddress: string | null;
}

export interface WorkerRuntimeOptions {
  logger: Logger;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Export the SDK's metrics and the project's gauges (METRICS_ADDRESS is not `off`). */
  metrics: boolean;
}

/**
 * Core's own logs (gRPC, polling, slots) are forwarded to the same logger instead of being printed by Core on stderr;
 * third-party native crates (tonic, h2, hyper) log at WARN at most, so LOG_LEVEL=debug stays readable.
 */
export async function installWorkerRuntime({ logger, level, metrics }: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const core = temporalLogLevel(level);
  const other: LogLevel = level === 'error' ? 'ERROR' : 'WARN';
  const prometheusAddress = metrics ? `127.0.0.1:${await freePort()}` : null;
  const runtime = Runtime.install({
    logger: temporalLogger(logger, core),
    telemetryOptions: {
      logging: { filter: { core, other }, forward: {} },
      ...(prometheusAddress ? { metrics: { prometheus: { bindAddress: prometheusAddress } } } : {}),
    },
  });
  return { runtime, prometheusAddress };
}
