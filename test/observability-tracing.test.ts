// Optional tracing: with OTEL_EXPORTER_OTLP_ENDPOINT the worker sends a rollout's workflow and activity spans over OTLP/HTTP; without it no OpenTelemetry module loads.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { Worker } from '@temporalio/worker';
import { startTracing, TRACING_SERVICE_NAME } from '../observability/start-tracing';
import { ROLLOUT_WORKFLOW_OPTIONS } from '../worker/create-rollout-worker';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { readHistoryCorpus } from './support/history-corpus';
import { parsePlan } from '../plan/parse-plan';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { FINAL_STATES } from '../workflows/rollout-status';
import { pollUntil } from './support/eventually';
import { ALL_READINESS } from './support/time-skipping-harness';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from './support/worker-process';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

let redisServer: RunningRedis;
let temporal: RunningTemporalDevServer;
let connection: Connection;
let client: Client;
let collector: Server;
let collectorUrl: string;
const received: ReceivedSpan[] = [];
const requests: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  installQuietRuntime();
  redisServer = await startRedisServer();
  temporal = await startTemporalDevServer();
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  // A tiny OTLP/HTTP endpoint: takes POST /v1/traces (OTLP JSON, as the HTTP exporter sends it) and keeps the spans.
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      if (request.method === 'POST' && request.url === '/v1/traces') received.push(...spansOf(body));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const address = collector.address();
  collectorUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await connection?.close();
  await temporal?.stop();
  await redisServer?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
  }[];
}

function spansOf(body: string): ReceivedSpan[] {
  const parsed = JSON.parse(body) as OtlpJson;
  return (parsed.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name })),
    );
  });
}

/** A preload that writes, when the process exits, which OpenTelemetry modules it had loaded. */
function loadedModulesProbe(): { preload: string; report: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-probe-'));
  const preload = join(dir, 'probe.cjs');
  const report = join(dir, 'loaded.json');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache).filter((path) => path.includes('opentelemetry')))));\n`,
  );
  return { preload, report };
}

async function startWorker(taskQueue: string, env: NodeJS.ProcessEnv, nodeOptions: string[] = []): Promise<WorkerProcess> {
  const worker = startWorkerProcess({ env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: redisServer.url, ...env }, nodeOptions });
  workers.push(worker);
  await waitUntilPolling(client, taskQueue, worker);
  return worker;
}

it("exports a rollout's workflow and activity spans, in one trace, to the OTLP/HTTP endpoint", async () => {
  const taskQueue = 'tracing-on';
  const probe = loadedModulesProbe();
  const worker = await startWorker(taskQueue, { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl }, ['--require', probe.preload]);
  const rollouts = new RolloutClient(client, taskQueue);
  const flag = 'traced_flag';
  await rollouts.start(
    parsePlan({ flag, ramp: { steps: [100], soak: '1s' }, verification: '1s', guard: { interval: '1s', minSample: 0 }, approvalTimeout: '10m', signing: { mode: 'keyless' } }),
  );
  for (const [gate, by] of [['staging-qa', 'alice'], ['production-qa', 'bob'], ['global-readiness', 'alice']] as const) {
    await pollUntil(() => rollouts.status(flag), (s) => s.pendingGate === gate, { what: gate, timeoutMs: 60_000, intervalMs: 250 });
    await rollouts.send(flag, 'approve', { gate, by, ...(gate === 'global-readiness' ? { confirmed: [...ALL_READINESS] } : {}) }, 30_000);
  }
  const done = await pollUntil(() => rollouts.status(flag), (s) => FINAL_STATES.includes(s.state), { what: 'the end of the rollout', timeoutMs: 60_000, intervalMs: 250 });
  expect(done.value.state).toBe('completed');

  // An activity's span is the child of the workflow's StartActivity span, and the workflow's span is in the same trace.
  const linked = (all: ReceivedSpan[]) => {
    const workflow = all.find((span) => span.name === 'RunWorkflow:rolloutWorkflow');
    const run = all.find((span) => span.name === 'RunActivity:applyFlagChange' && all.some((parent) => parent.spanId === span.parentSpanId));
    return workflow && run ? { workflow, run, start: all.find((span) => span.spanId === run.parentSpanId)! } : null;
  };
  const spans = (await pollUntil(() => [...received], (all) => linked(all) !== null, { what: 'linked workflow and activity spans', timeoutMs: 30_000, intervalMs: 250 })).value;
  const { workflow, run, start } = linked(spans)!;
  expect(start.name).toBe('StartActivity:applyFlagChange');
  expect(start.parentSpanId).toBe(workflow.spanId);
  expect(run.traceId).toBe(workflow.traceId);
  expect(requests.every((line) => line.startsWith('POST /v1/traces application/json'))).toBe(true);
  expect(new Set(spans.map((span) => span.service))).toEqual(new Set([TRACING_SERVICE_NAME]));
  // The probe the next test relies on sees the modules tracing loads.
  await worker.stop();
  expect(JSON.parse(readFileSync(probe.report, 'utf8'))).toEqual(expect.arrayContaining([expect.stringContaining('@opentelemetry/exporter-trace-otlp-http')]));
}, 240_000);

it('loads no OpenTelemetry module when no endpoint is set', async () => {
  const probe = loadedModulesProbe();
  const worker = await startWorker('tracing-off', {}, ['--require', probe.preload]);
  await worker.stop();
  expect(JSON.parse(readFileSync(probe.report, 'utf8'))).toEqual([]);
}, 180_000);

it('replays recorded rollout histories of every generation with tracing on, sending no span for a replay', async () => {
  // Turning tracing on for a worker whose rollouts started without it: their histories must still replay.
  const tracing = startTracing(collectorUrl);
  const before = received.length;
  // The interceptors act at the start of a run, on messages and on activities: a few paths of every generation cover them.
  const scenarios = /\/(happy-path|reject-at-staging-qa|breach-in-gate|continue-as-new-then-breach\.run-2|pause-resume-gate|two-approvals|freeze-hold|cleanup-timeout)$/;
  const histories = readHistoryCorpus()
    .filter(({ name }) => scenarios.test(name))
    .map(({ name, history }) => ({ workflowId: name, history }));
  const failing: string[] = [];
  try {
    for await (const result of Worker.runReplayHistories({ ...ROLLOUT_WORKFLOW_OPTIONS, plugins: [tracing.plugin] }, histories)) {
      if (result.error) failing.push(`${result.workflowId}: ${String(result.error)}`);
    }
  } finally {
    await tracing.shutdown();
  }
  // Every generation of the corpus (test/histories/<generation>/) is among them.
  const generations = readdirSync(join(__dirname, 'histories'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  expect(new Set(histories.map(({ workflowId }) => workflowId.split('/')[0]))).toEqual(new Set(generations));
  expect(failing).toEqual([]);
  expect(received.slice(before).filter((span) => span.name.startsWith('RunWorkflow:') || span.name.startsWith('StartActivity:'))).toEqual([]);
}, 240_000);
