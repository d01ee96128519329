// `npm run worker`: runs a rollout worker configured from the environment until SIGINT/SIGTERM.
import { NativeConnection, type Worker } from '@temporalio/worker';
import { describeConfig, loadConfig, maskUrlPassword } from '../config/load-config';
import { diagnoseTemporalConnection } from '../config/diagnose-temporal-connection';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import { createRolloutWorker } from './create-rollout-worker';
import { rolloutWorkerOptionsOf } from './rollout-worker-options-of';
import { createWorkerRedis } from './create-worker-redis';
import { installWorkerRuntime } from '../observability/install-worker-runtime';
import { startWorkerObservability } from '../observability/start-worker-observability';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  // LOG_LEVEL end to end: the SDK's own logs (workflow and activity loggers, Core) go through the same JSON logger.
  const { runtime, prometheusAddress } = await installWorkerRuntime({ logger, level: config.logLevel, metrics: config.metrics.address !== null });
  logger.info({ config: describeConfig(config) }, 'starting rollout worker');
  const connectionOptions = temporalConnectionOptions(config);
  const connection = await NativeConnection.connect(connectionOptions).catch(async (err: unknown) => {
    const { address, namespace } = config.temporal;
    // The SDK's reason varies ("CertificateRequired", "broken pipe"); one TCP/TLS handshake, as the CLI does, says why.
    const why = await diagnoseTemporalConnection(connectionOptions);
    throw new Error(`cannot reach Temporal at ${address} (namespace ${namespace}): ${why ?? (err instanceof Error ? err.message : String(err))}`);
  });
  const redis = createWorkerRedis(config, (event, detail) => (event === 'error' ? logger.warn(detail) : logger.info(detail)));
  // Tracing only when OTEL_EXPORTER_OTLP_ENDPOINT is set: otherwise no OpenTelemetry module is even loaded.
  const tracing = config.tracing.otlpEndpoint ? (await import('../observability/start-tracing')).startTracing(config.tracing.otlpEndpoint) : null;
  if (tracing) logger.info({ url: maskUrlPassword(tracing.url) }, `exporting traces over OTLP/HTTP to ${maskUrlPassword(tracing.url)}`);
  let worker: Worker | null = null;
  const observability = await startWorkerObservability({ config, runtime, prometheusAddress, connection, redis, workerState: () => worker?.getState() ?? 'STARTING', logger });
  try {
    worker = await createRolloutWorker({ ...rolloutWorkerOptionsOf(config, connection, redis), plugins: tracing ? [tracing.plugin] : [] });
    logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running; Ctrl-C to stop');
    await worker.run();
  } finally {
    await observability.close();
    await tracing?.shutdown();
    await connection.close();
    await redis.quit();
  }
}

main().catch((err: unknown) => {
  // One JSON line, like every other log of the worker.
  createLogger('error', 'worker').error({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
});
