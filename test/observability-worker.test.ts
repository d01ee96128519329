// The standalone worker (a child process on a Temporal dev server and Redis) serves /metrics, /healthz and /readyz and logs every change and decision as JSON.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { freePort } from '../stack/free-port';
import { startRedisServer, stopChild, type RunningRedis } from '../stack/redis-server';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../stack/temporal-dev-server';
import { outboxKey } from '../tracking/outbox-commands';
import { recordSentEvents } from '../volume/record-sent-events';
import { snowplowDroppedByEventKey, snowplowFailedByEventKey, utcDay } from '../volume/snowplow-counter-keys';
import { TRACKING_GAUGES } from '../observability/tracking-gauges';
import { ROLLOUT_GAUGES } from '../workflows/rollout-metrics';
import { FINAL_STATES, type RolloutStatus } from '../workflows/rollout-status';
import type { HealthReport } from '../worker/health-server';
import { pollUntil } from './support/eventually';
import { ALL_READINESS } from './support/time-skipping-harness';

const ROOT = resolve(__dirname, '..');
const TASK_QUEUE = 'observability-tests';
const TRACKED = 'obs_tracked_flag';
const BREACHED = 'obs_breached_flag';
const BUDGET = 1_000_000;

let redisServer: RunningRedis;
let temporal: RunningTemporalDevServer;
let connection: Connection;
let rollouts: RolloutClient;
let worker: { child: ChildProcess; lines: string[] };
let metricsUrl: string;
const startedAt = Date.now();

beforeAll(async () => {
  redisServer = await startRedisServer();
  temporal = await startTemporalDevServer();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}`;
  worker = startWorker({
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    REDIS_URL: redisServer.url,
    METRICS_ADDRESS: `127.0.0.1:${port}`,
    TRACKED_FLAG: TRACKED,
    LOG_LEVEL: 'info',
  });
  connection = await Connection.connect({ address: temporal.address });
  rollouts = new RolloutClient(new Client({ connection }), TASK_QUEUE);
  await pollUntil(() => get('/healthz').catch(() => null), (r) => r?.status === 200, { what: 'the worker to be live', timeoutMs: 90_000, intervalMs: 250 });
}, 150_000);

afterAll(async () => {
  if (worker) await stopChild(worker.child);
  await connection?.close();
  await temporal?.stop();
  await redisServer?.stop();
});

/** Starts `worker/main.ts` under tsx and keeps every line it prints on stdout and stderr. */
function startWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'worker', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line !== ''));
    });
  }
  return { child, lines };
}

async function get(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${metricsUrl}${path}`);
  return { status: response.status, text: await response.text() };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const { status, text } = await get('/metrics');
  expect(status).toBe(200);
  return parseMetrics(text);
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** The given fields of an object, for comparing a log line or report with toEqual. */
function pick<T extends object>(value: T, keys: (keyof T & string)[] | string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
}

/** The worker's JSON log lines (every line it printed must be one). */
function logs(): Record<string, unknown>[] {
  return worker.lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`the worker printed a line that is not JSON: ${line}`);
    }
  });
}

/** The log lines once `ready(lines)` holds: the workflow logger hands its lines over after each activation. */
const logsUntil = async (ready: (lines: Record<string, unknown>[]) => boolean) => (await pollUntil(logs, ready, { what: 'the log lines', timeoutMs: 10_000, intervalMs: 100 })).value;

const until = async (flag: string, ok: (s: RolloutStatus) => boolean, what: string) =>
  (await pollUntil(() => rollouts.status(flag), ok, { what, timeoutMs: 60_000, intervalMs: 250 })).value;

function plan(flag: string, budgetPerDay: number) {
  return parsePlan({
    flag,
    requester: 'carol',
    ramp: { steps: [50, 100], soak: '1s' },
    verification: '2s',
    guard: { interval: '1s', minSample: 0, budgetPerDay },
    approvalTimeout: '10m',
    signing: { mode: 'keyless' },
  });
}

async function approveAll(flag: string, through: 'staging-qa' | 'production-qa' | 'global-readiness'): Promise<void> {
  for (const [gate, by] of [['staging-qa', 'alice'], ['production-qa', 'bob'], ['global-readiness', 'alice']] as const) {
    await until(flag, (s) => s.pendingGate === gate, gate);
    await rollouts.send(flag, 'approve', { gate, by, ...(gate === 'global-readiness' ? { confirmed: [...ALL_READINESS] } : {}) }, 30_000);
    if (gate === through) return;
  }
}

it('exports the SDK metrics, the rollout gauges and the tracking gauges on /metrics', async () => {
  const admin = new Redis(redisServer.url);
  try {
    // Today's count, written at 00:00:00 UTC: the guard's rate window is the last complete second, so events written
    // now would read as 1,234/s (over the budget as a full day) if a guard check came in the next second.
    const now = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    await recordSentEvents(admin, TRACKED, new Map([['g_edit', 1200], ['g_view', 34]]), now);
    await admin.hincrby(snowplowFailedByEventKey(TRACKED, utcDay(now)), 'g_edit', 7);
    await admin.hincrby(snowplowDroppedByEventKey(TRACKED, utcDay(now)), 'g_view', 2);
    await admin.rpush(outboxKey('obs-a'), 'e1', 'e2', 'e3');
    await admin.rpush(outboxKey('obs-b'), 'e4', 'e5');
  } finally {
    admin.disconnect();
  }

  await rollouts.start(plan(TRACKED, BUDGET));
  await until(TRACKED, (s) => s.pendingGate === 'staging-qa', 'staging-qa');
  // The requester may not approve: a refused decision.
  await expect(rollouts.send(TRACKED, 'approve', { gate: 'staging-qa', by: 'carol' }, 30_000)).rejects.toThrow(/carol requested this rollout/);
  await approveAll(TRACKED, 'global-readiness');
  const done = await until(TRACKED, (s) => FINAL_STATES.includes(s.state), 'the end of the rollout');
  // With the outcome, so a rollback says why.
  expect({ state: done.state, outcome: done.outcome }).toMatchObject({ state: 'completed' });

  const flag = { flag: TRACKED };
  // The gauge is set in the rollout's last workflow task; the SDK counts the completion once that task's answer is in.
  const completedEverywhere = (s: Awaited<ReturnType<typeof scrape>>) =>
    valueOf(s, ROLLOUT_GAUGES.state, { ...flag, state: 'completed' }) === 1 && s.some((sample) => sample.name === 'temporal_workflow_completed');
  const samples = (await pollUntil(scrape, completedEverywhere, { what: 'rollout_state completed and temporal_workflow_completed', timeoutMs: 20_000, intervalMs: 500 })).value;
  const names = new Set(samples.map((s) => s.name));

  // The SDK's own metrics come through the same port.
  for (const name of ['temporal_worker_task_slots_available', 'temporal_workflow_completed', 'temporal_request']) expect([...names]).toContain(name);
  // Rollout gauges: one-hot state and stage, percentage, guard reading vs budget, last check.
  expect(valueOf(samples, ROLLOUT_GAUGES.state, { ...flag, state: 'running' })).toBe(0);
  expect(valueOf(samples, ROLLOUT_GAUGES.state, { ...flag, state: 'completed', workflowType: 'rolloutWorkflow', taskQueue: TASK_QUEUE, namespace: 'default' })).toBe(1);
  expect(valueOf(samples, ROLLOUT_GAUGES.stage, { ...flag, stage: 'completed' })).toBe(1);
  expect(valueOf(samples, ROLLOUT_GAUGES.stage, { ...flag, stage: 'ramp' })).toBe(0);
  expect(valueOf(samples, ROLLOUT_GAUGES.percentage, flag)).toBe(100);
  expect(valueOf(samples, ROLLOUT_GAUGES.budget, flag)).toBe(BUDGET);
  expect(valueOf(samples, ROLLOUT_GAUGES.eventsToday, flag)).toBe(1234);
  expect(valueOf(samples, ROLLOUT_GAUGES.verdict, { ...flag, verdict: 'within-budget' })).toBe(1);
  expect(valueOf(samples, ROLLOUT_GAUGES.projected, flag)).toBe(done.lastVolume && 'projection' in done.lastVolume ? done.lastVolume.projection : NaN);
  const lastCheck = valueOf(samples, ROLLOUT_GAUGES.lastCheck, flag)!;
  expect(lastCheck * 1000).toBeGreaterThanOrEqual(startedAt);
  expect(lastCheck * 1000).toBeLessThanOrEqual(Date.now());
  // Tracking gauges, refreshed from Redis.
  const tracking = (await pollUntil(scrape, (s) => valueOf(s, TRACKING_GAUGES.sent, flag) === 1234, { what: 'the tracking gauges', timeoutMs: 30_000, intervalMs: 500 })).value;
  expect(valueOf(tracking, TRACKING_GAUGES.failed, flag)).toBe(7);
  expect(valueOf(tracking, TRACKING_GAUGES.dropped, flag)).toBe(2);
  expect(valueOf(tracking, TRACKING_GAUGES.outboxDepth, flag)).toBe(5);
  expect(valueOf(tracking, TRACKING_GAUGES.outboxes, flag)).toBe(2);

  // One JSON line per flag change with before → after, and per decision.
  const lines = await logsUntil((all) => all.some((l) => l.event === 'state' && l.flag === TRACKED));
  const changes = lines.filter((l) => l.event === 'flag-change' && l.flag === TRACKED);
  expect(changes.map((l) => l.environment)).toEqual(['dev', 'staging', 'staging-ref', 'production', 'production', 'production', 'production']);
  for (const line of changes) {
    expect(pick(line, ['workflowId', 'flag'])).toEqual({ workflowId: `rollout-${TRACKED}`, flag: TRACKED });
    expect([typeof line.workflowRunId, typeof line.changeId]).toEqual(['string', 'string']);
    expect(line).toHaveProperty('before.gates'); // null for a flag that did not exist
    expect(line).toHaveProperty('after.gates.boolean');
  }
  expect(changes.at(-1)).toMatchObject({ environment: 'production', before: { gates: { percentageOfActors: 100, boolean: null } }, after: { gates: { boolean: true } } });
  const decisions = lines.filter((l) => l.event === 'decision' && l.flag === TRACKED);
  expect(decisions.map((l) => pick(l, ['decision', 'message', 'gate', 'by', 'workflowId', 'environments']))).toEqual(
    expect.arrayContaining([
      { decision: 'refused', message: 'approve update', gate: 'staging-qa', by: 'carol', workflowId: `rollout-${TRACKED}`, environments: ['dev', 'staging', 'staging-ref', 'production'] },
      { decision: 'accepted', message: 'approve', gate: 'staging-qa', by: 'alice', workflowId: `rollout-${TRACKED}`, environments: ['dev', 'staging', 'staging-ref', 'production'] },
      { decision: 'accepted', message: 'approve', gate: 'global-readiness', by: 'alice', workflowId: `rollout-${TRACKED}`, environments: ['dev', 'staging', 'staging-ref', 'production'] },
    ]),
  );
  expect(String(decisions.find((l) => l.decision === 'refused')?.reason)).toMatch(/carol requested this rollout/);
  const ended = lines.filter((l) => l.event === 'state' && l.flag === TRACKED);
  expect(ended.map((l) => pick(l, ['before', 'after', 'workflowId']))).toEqual([{ before: { state: 'running' }, after: { state: 'completed' }, workflowId: `rollout-${TRACKED}` }]);
  expect(typeof ended[0]!.runId).toBe('string');
}, 180_000);

it('logs a breach and every restore, and shows the rollback in the gauges', async () => {
  const admin = new Redis(redisServer.url);
  try {
    await recordSentEvents(admin, BREACHED, new Map([['g_edit', 5000]]), new Date());
  } finally {
    admin.disconnect();
  }
  await rollouts.start(plan(BREACHED, 1000));
  await approveAll(BREACHED, 'staging-qa');
  const done = await until(BREACHED, (s) => FINAL_STATES.includes(s.state), 'the rollback');
  expect(done).toMatchObject({ state: 'rolled-back', outcome: { cause: 'guard-breach' } });

  const flag = { flag: BREACHED };
  const samples = (await pollUntil(scrape, (s) => valueOf(s, ROLLOUT_GAUGES.state, { ...flag, state: 'rolled-back' }) === 1, { what: 'rollout_state rolled-back', timeoutMs: 20_000, intervalMs: 500 })).value;
  expect(valueOf(samples, ROLLOUT_GAUGES.verdict, { ...flag, verdict: 'over-budget' })).toBe(1);
  expect(valueOf(samples, ROLLOUT_GAUGES.eventsToday, flag)).toBe(5000);
  expect(valueOf(samples, ROLLOUT_GAUGES.budget, flag)).toBe(1000);

  const lines = (await logsUntil((all) => all.some((l) => l.event === 'state' && String(l.msg).includes('→ rolled-back') && l.flag === BREACHED))).filter((l) => l.flag === BREACHED);
  const breaches = lines.filter((l) => l.event === 'breach');
  expect(breaches.map((l) => pick(l, ['level', 'cause', 'environment', 'workflowId', 'stage', 'before', 'after']))).toEqual([
    { level: 40, cause: 'guard-breach', environment: 'production', workflowId: `rollout-${BREACHED}`, stage: 'production-qa', before: { state: 'awaiting-approval', percentage: 0 }, after: { state: 'rolling-back' } },
  ]);
  expect(breaches[0]).toMatchObject({ reading: { count: 5000, verdict: 'over-budget', budgetPerDay: 1000 } });
  const restores = lines.filter((l) => l.event === 'flag-restore');
  expect(restores.map((l) => l.environment)).toEqual(['production', 'staging-ref', 'staging', 'dev']);
  expect(pick(restores[0]!, ['reverted', 'changed', 'after', 'workflowId'])).toEqual({ reverted: true, changed: true, after: { gates: null }, workflowId: `rollout-${BREACHED}` });
  expect(restores[0]).toMatchObject({ before: { gates: { boolean: null, actors: ['group:gitlab-com', 'group:gitlab-org', 'project:gitlab-com/www-gitlab-com', 'project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss'] } } });
  expect(String(restores[0]!.changeId)).toMatch(/\/revert$/);
  expect(lines.filter((l) => l.event === 'state').map((l) => l.msg)).toEqual([
    `rollout awaiting-approval → rolling-back: Snowplow volume over budget: 5000 events on ${utcDay(new Date())} exceed the budget of 1000/day`,
    `rollout rolling-back → rolled-back: Snowplow volume over budget: 5000 events on ${utcDay(new Date())} exceed the budget of 1000/day`,
  ]);
}, 180_000);

it('answers /healthz and /readyz, and /readyz names Redis and its address once Redis is down', async () => {
  const live = await get('/healthz');
  expect(live.status).toBe(200);
  expect(JSON.parse(live.text)).toEqual({ status: 'ok', checks: [{ name: 'worker', target: `task queue ${TASK_QUEUE}`, ok: true }] } satisfies HealthReport);
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.text)).toEqual({
    status: 'ok',
    checks: [
      { name: 'worker', target: `task queue ${TASK_QUEUE}`, ok: true },
      { name: 'temporal', target: `${temporal.address} (namespace default)`, ok: true },
      { name: 'redis', target: redisServer.url, ok: true },
    ],
  } satisfies HealthReport);

  await redisServer.stop();
  const down = (await pollUntil(() => get('/readyz'), (r) => r.status === 503, { what: '/readyz to fail', timeoutMs: 20_000, intervalMs: 250 })).value;
  const report = JSON.parse(down.text) as HealthReport;
  expect(report.status).toBe('failing');
  const redis = report.checks.find((c) => c.name === 'redis');
  expect(pick(redis!, ['name', 'target', 'ok'])).toEqual({ name: 'redis', target: redisServer.url, ok: false });
  expect(redis?.error).toContain(`Redis at ${redisServer.url} did not answer PING`);
  expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['redis']);
  // Liveness does not depend on Redis: restarting the worker would not bring Redis back.
  expect((await get('/healthz')).status).toBe(200);
  // The outage is in the JSON logs (naming Redis and its address), and nothing was printed outside them.
  await pollUntil(() => logs().filter((l) => String(l.msg).includes(`Redis at ${redisServer.url}`)).length, (n) => n > 0, { what: 'a log line naming Redis', timeoutMs: 20_000, intervalMs: 250 });
  expect(logs().length).toBe(worker.lines.length);

  // An activity failing on Redis says which Redis (the worker's client names it in every command error).
  const outage = 'obs_outage_flag';
  await rollouts.start(plan(outage, BUDGET));
  const handle = new Client({ connection }).workflow.getHandle(`rollout-${outage}`);
  const failure = await pollUntil(
    async () => (await handle.describe()).raw.pendingActivities?.[0]?.lastFailure?.message ?? '',
    (message) => message !== '',
    { what: 'the failed flag write', timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(failure.value).toMatch(new RegExp(`^Redis at ${redisServer.url}: Reached the max retries per request limit`));
  await handle.terminate('test over');
}, 120_000);
