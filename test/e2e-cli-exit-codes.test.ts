// Every exit code of the `rollout` CLI, proven against a real Temporal dev server and Redis (and closed ports for unreachable ones).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { RolloutClient } from '../client/rollout-client';
import { loadConfig } from '../config/load-config';
import { loadPlanFile } from '../plan/load-plan-file';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { freePort } from '../stack/free-port';
import { bundleRolloutWorkflows, createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

type Cli = (...argv: string[]) => Promise<CliResult>;

let stack: EmbeddedStack;
let cli: Cli;
let connection: Connection;
let client: Client;
let planFile: string;
let brokenPlanFile: string;
let workflowBundle: { code: string } | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  cli = cliRunner(stack.config, { unsigned: true });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection });
  const dir = mkdtempSync(join(tmpdir(), 'rollout-exit-codes-'));
  planFile = join(dir, 'fast.yaml');
  writeFileSync(
    planFile,
    ['requester: carol', 'approvers: [alice, bob]', 'operators: [sre-oncall]', 'ramp: { steps: [50, 100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 10m', 'signing: { mode: keyless }', ''].join('\n'),
  );
  brokenPlanFile = join(dir, 'broken.yaml');
  writeFileSync(brokenPlanFile, 'ramp: { steps: [50, 100\nrequester: carol\n');
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await connection?.close();
  await stack?.stop();
});

/** The CLI against the stack with some of its environment replaced (a closed port, another task queue). */
function cliWith(env: Record<string, string>): Cli {
  return cliRunner(loadConfig({ TEMPORAL_ADDRESS: stack.config.temporal.address, REDIS_URL: stack.config.redisUrl, ...env }), { unsigned: true });
}

async function statusOf(flag: string, run: Cli = cli): Promise<RolloutStatus> {
  const out = await run('status', flag, '--json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as RolloutStatus;
}

async function until(flag: string, ok: (s: RolloutStatus) => boolean, what: string, run: Cli = cli): Promise<RolloutStatus> {
  return (await pollUntil(() => statusOf(flag, run), ok, { what, timeoutMs: 30_000, intervalMs: 100 })).value;
}

/** The approve/reject/abort updates and signals in a rollout's history: what reached the workflow. */
async function messagesInHistory(flag: string): Promise<{ type: string; name: string; payload: unknown }[]> {
  const history = await client.workflow.getHandle(`rollout-${flag}`).fetchHistory();
  const found: { type: string; name: string; payload: unknown }[] = [];
  const decode = (payloads: Parameters<typeof defaultPayloadConverter.fromPayload>[0][] | null | undefined) =>
    payloads?.[0] ? defaultPayloadConverter.fromPayload(payloads[0]) : undefined;
  for (const event of history.events ?? []) {
    const admitted = event.workflowExecutionUpdateAdmittedEventAttributes?.request?.input;
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (admitted) found.push({ type: 'update admitted', name: admitted.name ?? '', payload: decode(admitted.args?.payloads) });
    if (accepted) found.push({ type: 'update accepted', name: accepted.name ?? '', payload: decode(accepted.args?.payloads) });
    if (signaled) found.push({ type: 'signal', name: signaled.signalName ?? '', payload: decode(signaled.input?.payloads) });
  }
  return found;
}

/** The CLI's result and how long the command took. */
async function timed(run: () => Promise<CliResult>): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await run();
  return { ...result, ms: Date.now() - started };
}

/** A rollout worker on `queue` (stopped in afterAll at the latest); returns its stop, which is safe to call twice. */
async function startWorker(queue: string): Promise<() => Promise<void>> {
  workflowBundle ??= await bundleRolloutWorkflows();
  const workerConnection = await NativeConnection.connect({ address: stack.config.temporal.address });
  const redis: Redis = createWorkerRedis(stack.config.redisUrl);
  const worker: Worker = await createRolloutWorker({ connection: workerConnection, namespace: 'default', taskQueue: queue, redis, workflowBundle });
  const running = worker.run();
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      worker.shutdown();
      await running;
      await redis.quit();
      await workerConnection.close();
    })());
  cleanups.push(stop);
  return stop;
}

describe('rollout exit codes on a real dev server and Redis', () => {
  it('0 (ok): --help, and an approval by an approver', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rollout/);
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 unexpected error, 2 usage error, 3 refused, 4 no such rollout, 5 .*, 6 no worker answered/);
    expect((await cli('approve', '--help')).code).toBe(0);

    const flag = 'exit_code_ok';
    expect(await cli('start', flag, '--plan', planFile)).toMatchObject({ code: 0, stdout: `rollout-${flag}\n` });
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    expect(await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'QA passed')).toMatchObject({
      code: 0,
      stdout: 'staging-qa approved by alice\n',
      stderr: '',
    });
    const after = await until(flag, (s) => s.pendingGate === 'production-qa', 'production-qa gate');
    expect(after.steps).toContainEqual(expect.objectContaining({ gate: 'staging-qa', action: 'approved', by: 'alice', comment: 'QA passed' }));
  });

  it('1 (unexpected error): a flag key of the wrong type in Redis is neither a usage error nor unreachable', async () => {
    const redis: Redis = createWorkerRedis(stack.config.redisUrl);
    try {
      await redis.set('flipper:production:exit_code_wrong_type', 'not a hash'); // the flag's hash key in Flipper's layout
    } finally {
      redis.disconnect();
    }
    const out = await cli('feature', 'get', 'exit_code_wrong_type');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: .*WRONGTYPE/);
  });

  it('2 (usage): bad arguments, a bad plan and a message that fails the schema; nothing is sent or written', async () => {
    const unknown = await cli('frobnicate', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);

    const missing = await cli('approve', 'exit_code_usage', '--gate', 'staging-qa');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--by <user>' not specified/);

    const badGate = await cli('approve', 'exit_code_usage', '--gate', 'prod', '--by', 'alice');
    expect(badGate.code).toBe(2);
    expect(badGate.stderr).toMatch(/argument 'prod' is invalid\. Allowed choices are staging-qa, production-qa, global-readiness, volume-review/);

    const noUnit = await cli('approve', 'exit_code_usage', '--gate', 'staging-qa', '--by', 'alice', '--wait', '5');
    expect(noUnit.code).toBe(2);
    expect(noUnit.stderr).toMatch(/--wait <duration>' argument '5' is invalid\. must be a duration with a unit, e\.g\. 30s, 5m/);

    const brokenPlan = await cli('start', 'exit_code_usage', '--plan', brokenPlanFile);
    expect(brokenPlan.code).toBe(2);
    expect(brokenPlan.stderr).toContain(brokenPlanFile);
    expect(brokenPlan.stderr).toMatch(/YAML syntax error/);
    expect((await cli('status', 'exit_code_usage')).code).toBe(4); // the broken plan started nothing

    const maybe = await cli('feature', 'set', 'exit_code_usage', 'maybe');
    expect(maybe.code).toBe(2);
    expect(maybe.stderr).toMatch(/The value "maybe" is invalid\. Valid values are: true, false, or an integer from 0 to 100\./);
    const gates = await cli('feature', 'get', 'exit_code_usage', '--json');
    expect(gates.code).toBe(4); // not set in any environment: nothing was written

    // A comment with a newline fails the message schema in the CLI: the rollout's history never sees it.
    const flag = 'exit_code_usage_message';
    expect((await cli('start', flag, '--plan', planFile)).code).toBe(0);
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    const twoLines = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'QA passed\nsecond line');
    expect(twoLines.code).toBe(2);
    expect(twoLines.stderr).toMatch(/^error: approve: .*contains control characters \(newlines/);
    expect(await messagesInHistory(flag)).toEqual([]);
    expect(await statusOf(flag)).toMatchObject({ pendingGate: 'staging-qa', refusedCount: 0 });
    // The same approval on one line goes through and is in the history: the check above could see it.
    expect((await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'QA passed')).code).toBe(0);
    expect(await messagesInHistory(flag)).toEqual([{ type: 'update accepted', name: 'approve', payload: { gate: 'staging-qa', by: 'alice', comment: 'QA passed' } }]);
  });

  it('3 (refused): approval by the requester, a second rollout of a running flag, an abort by a stranger', async () => {
    const flag = 'exit_code_refused';
    expect((await cli('start', flag, '--plan', planFile)).code).toBe(0);
    const again = await cli('start', flag, '--plan', planFile);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/a rollout of exit_code_refused is already running \(workflow rollout-exit_code_refused\)/);
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');

    const self = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'carol');
    expect(self.code).toBe(3);
    expect(self.stderr).toMatch(/refused: carol requested this rollout and cannot approve it/);
    const stranger = await cli('abort', flag, '--by', 'mallory', '--reason', 'why not');
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toMatch(/refused: mallory may not abort this rollout: only the requester \(carol\), an approver \(alice, bob\) or an operator \(sre-oncall\)/);

    const unchanged = await statusOf(flag);
    expect(unchanged).toMatchObject({ state: 'awaiting-approval', pendingGate: 'staging-qa', outcome: null });
    expect(unchanged.steps.filter((step) => step.gate !== undefined)).toEqual([]);
  });

  it('4 (not found): status of a flag never started; approve, reject and abort of a rollout that has ended', async () => {
    const never = await cli('status', 'exit_code_never_started');
    expect(never.code).toBe(4);
    expect(never.stderr).toMatch(/no rollout of exit_code_never_started was found \(workflow rollout-exit_code_never_started\)/);

    const flag = 'exit_code_ended';
    expect((await cli('start', flag, '--plan', planFile)).code).toBe(0);
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    expect((await cli('abort', flag, '--by', 'carol', '--reason', 'withdrawn')).code).toBe(0);
    await until(flag, (s) => s.state === 'rolled-back', 'rollback');

    for (const argv of [
      ['approve', flag, '--gate', 'staging-qa', '--by', 'alice'],
      ['reject', flag, '--gate', 'staging-qa', '--by', 'alice', '--reason', 'late'],
      ['abort', flag, '--by', 'carol', '--reason', 'again'],
    ]) {
      const late = await cli(...argv);
      expect({ argv, code: late.code }).toEqual({ argv, code: 4 });
      expect(late.stderr).toMatch(/no running rollout of exit_code_ended \(workflow rollout-exit_code_ended\): it has ended/);
    }
  });

  it('5 (unreachable): Temporal or Redis at a closed port, named with its address, within seconds', async () => {
    const temporalPort = await freePort();
    const noTemporal = cliWith({ TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` });
    for (const argv of [['status', 'exit_code_any'], ['approve', 'exit_code_any', '--gate', 'staging-qa', '--by', 'alice']]) {
      const started = Date.now();
      const out = await noTemporal(...argv);
      expect({ argv, code: out.code }).toEqual({ argv, code: 5 });
      expect(out.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${temporalPort}`);
      expect(Date.now() - started).toBeLessThan(15_000);
    }

    const redisPort = await freePort();
    const noRedis = cliWith({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    for (const argv of [['feature', 'get', 'exit_code_any'], ['feature', 'set', 'exit_code_any', 'true']]) {
      const started = Date.now();
      const out = await noRedis(...argv);
      expect({ argv, code: out.code }).toEqual({ argv, code: 5 });
      expect(out.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${redisPort}`);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });

  it('6 (no answer): an approval for a rollout no worker has run yet is reported as one it will refuse, and it is refused', async () => {
    const queue = 'exit-codes-no-worker-yet';
    const flag = 'exit_code_never_run';
    await new RolloutClient(client, queue).start(loadPlanFile(planFile, { flag }));
    const orphanCli = cliWith({ TEMPORAL_TASK_QUEUE: queue });

    const [approval, status] = await Promise.all([
      timed(() => orphanCli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'queued', '--wait', '2s')),
      orphanCli('status', flag),
    ]);
    expect(approval.code).toBe(6);
    expect(approval.ms).toBeLessThan(5000);
    expect(approval.stderr).toMatch(/no worker answered within 2 s \(task queue exit-codes-no-worker-yet\): the approve is not in the rollout's history yet/);
    expect(approval.stderr).toMatch(/No worker has run this rollout yet, so no gate is pending: when one does, the rollout will refuse this approve/);
    expect(status.code).toBe(6);
    expect(status.stderr).toMatch(/rollout-exit_code_never_run did not answer the status query within 15 s; is a worker running on task queue exit-codes-no-worker-yet/);

    // The queued update reaches the workflow with its first task, before any gate is open: the validator refuses it,
    // so it never enters the history and leaves no refusal in the status (refused updates are not recorded).
    await startWorker(queue);
    const gate = await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate', orphanCli);
    expect(gate.steps.filter((step) => step.gate !== undefined)).toEqual([]);
    expect(gate.refusedCount).toBe(0);
    expect(await messagesInHistory(flag)).toEqual([]);
    expect((await orphanCli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'sent again')).code).toBe(0);
  });

  it('6 (no answer): an approval queued while the worker is away takes effect when a worker picks the rollout up again', async () => {
    const queue = 'exit-codes-worker-away';
    const flag = 'exit_code_worker_away';
    const queueCli = cliWith({ TEMPORAL_TASK_QUEUE: queue });
    const stopWorker = await startWorker(queue);
    expect((await queueCli('start', flag, '--plan', planFile)).code).toBe(0);
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate', queueCli);
    await stopWorker();

    const approval = await timed(() => queueCli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--comment', 'queued', '--wait', '2s'));
    expect(approval.code).toBe(6);
    expect(approval.ms).toBeLessThan(5000);
    expect(approval.stderr).toMatch(/no worker answered within 2 s \(task queue exit-codes-worker-away\): the approve is not in the rollout's history yet/);
    expect(approval.stderr).toMatch(/It stays queued on the Temporal server until a worker picks the rollout up .* takes it if it is still allowed/);

    // The CLI did not claim a failure for a decision that then took effect: it said it stays queued, and it does.
    await startWorker(queue);
    const approved = await until(flag, (s) => s.pendingGate === 'production-qa', 'the queued approval of staging-qa', queueCli);
    expect(approved.steps).toContainEqual(expect.objectContaining({ gate: 'staging-qa', action: 'approved', by: 'alice', comment: 'queued' }));
    expect(await messagesInHistory(flag)).toEqual([{ type: 'update accepted', name: 'approve', payload: { gate: 'staging-qa', by: 'alice', comment: 'queued' } }]);
  });
});
