// Optional OpenTelemetry tracing for the worker: workflow and activity spans exported over OTLP/HTTP (loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { WorkerPlugin } from '@temporalio/worker';
import { AsyncLocalStorageContextManager } from './async-local-storage-context-manager';

/** The `service.name` of the worker's spans. */
export const TRACING_SERVICE_NAME = 'flag-rollout-worker';

export interface Tracing {
  /** Adds the workflow and activity interceptors and the workflow span sink to a worker. */
  plugin: WorkerPlugin;
  /** Where spans go (…/v1/traces). */
  url: string;
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * OTLP/HTTP to `endpoint` (the OTLP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT means it: spans go to `/v1/traces` under
 * it; OTEL_EXPORTER_OTLP_HEADERS, e.g. an API key, is read by the exporter itself). Spans are batched and sent every
 * second. Workflow spans are made in workflow code and leave through a sink, so a replay never sends them twice.
 */
export function startTracing(endpoint: string): Tracing {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const resource = new Resource({ 'service.name': TRACING_SERVICE_NAME });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global: activities continue the workflow's trace from the W3C trace context in their headers (OTEL_PROPAGATORS).
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor, tracer: provider.getTracer(TRACING_SERVICE_NAME) });
  return { plugin, url, shutdown: () => provider.shutdown() };
}
