// End to end on a real Temporal dev server and Redis: search attributes, `rollout list` from visibility, `rollout watch`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../client/cli';
import { EXIT_CODES } from '../client/cli-errors';
import { RolloutClient } from '../client/rollout-client';
import { visibilityString } from '../client/rollout-list-query';
import type { RolloutSummary } from '../client/rollout-summary';
import { parsePlan } from '../plan/parse-plan';
import type { RolloutPlan } from '../plan/rollout-plan';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { registerRolloutSearchAttributes } from '../stack/register-search-attributes';
import { temporalCliPath, temporalTestServerPath } from '../stack/temporal-binaries';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

const run = promisify(execFile);
let stack: EmbeddedStack;
let connection: Connection;
let client: Client;
let rollouts: RolloutClient;
let cli: (...argv: string[]) => Promise<CliResult>;

/** A compressed plan: 1 s soaks and checks, 2 s of verification; unsigned messages, as tests send them. */
function fastPlan(flag: string, requester = 'carol'): RolloutPlan {
  return parsePlan({
    flag,
    requester,
    ramp: { steps: [50, 100], soak: '1s' },
    verification: '2s',
    guard: { interval: '1s', minSample: 0 },
    approvalTimeout: '5m',
    operators: ['sre-oncall'],
    signing: { mode: 'keyless' },
  });
}

async function until(flag: string, ok: (s: RolloutStatus) => boolean, what: string): Promise<RolloutStatus> {
  return (await pollUntil(() => rollouts.status(flag), ok, { what: `${flag}: ${what}`, timeoutMs: 30_000, intervalMs: 100 })).value;
}

/** Runs the CLI without waiting for it, so a test can read what it has printed so far (e.g. while `watch` runs). */
function startCli(argv: string[], stdoutIsTty = false): { done: Promise<number>; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const done = runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), stdoutIsTty }, stack.config);
  return { done, stdout: () => stdout, stderr: () => stderr };
}

async function listed(...filters: string[]): Promise<RolloutSummary[]> {
  const out = await cli('list', '--json', ...filters);
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as RolloutSummary[];
}

const flagsOf = (rows: RolloutSummary[]) => rows.map((row) => row.flag).sort();

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection });
  rollouts = new RolloutClient(client, stack.config.temporal.taskQueue);
  cli = cliRunner(stack.config);
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
});

describe('search attributes', () => {
  it('are registered on the dev server with their types', async () => {
    const { stdout } = await run(temporalCliPath(), ['operator', 'search-attribute', 'list', '--address', stack.config.temporal.address]);
    for (const { name, type } of ROLLOUT_SEARCH_ATTRIBUTES) expect(stdout).toMatch(new RegExp(`^\\s*${name}\\s+${type}\\s*$`, 'm'));
  });

  it('are registered on the time-skipping server through its operator service, again without error', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServerPath() } } });
    try {
      await registerRolloutSearchAttributes(env.connection);
      await expect(registerRolloutSearchAttributes(env.connection)).resolves.toBeUndefined();
    } finally {
      await env.teardown();
    }
  });

  it('find a rollout waiting for approval through `temporal workflow list --query`', async () => {
    const flag = 'sa_query_flag';
    await rollouts.start(fastPlan(flag));
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    const query = `FlagName=${visibilityString(flag)} AND RolloutState="awaiting-approval"`;
    // Visibility is eventually consistent: the upsert reaches the list a moment after the status shows the gate.
    const { value } = await pollUntil(
      async () => {
        const { stdout } = await run(temporalCliPath(), ['workflow', 'list', '--address', stack.config.temporal.address, '--query', query, '-o', 'json']);
        return (JSON.parse(stdout || '[]') as { execution: { workflowId: string } }[]).map((row) => row.execution.workflowId);
      },
      (ids) => ids.length > 0,
      { what: 'the rollout in the visibility query', timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(value).toEqual([`rollout-${flag}`]);
    await rollouts.send(flag, 'abort', { by: 'carol', reason: 'test cleanup' }, 30_000);
  });

  it('take quoted values safely in a list filter', async () => {
    const query = `FlagName = ${visibilityString('no"such\\flag')}`;
    const found = [];
    for await (const info of client.workflow.list({ query })) found.push(info);
    expect(found).toEqual([]);
  });
});

describe('rollout list', () => {
  const flags = ['list_alpha', 'list_beta', 'list_gamma'];

  beforeAll(async () => {
    await rollouts.start(fastPlan('list_alpha', 'carol'));
    await rollouts.start(fastPlan('list_beta', 'dave'));
    await rollouts.start(fastPlan('list_gamma', 'carol'));
    for (const flag of flags) await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    await rollouts.send('list_gamma', 'approve', { gate: 'staging-qa', by: 'alice' }, 30_000);
    await until('list_gamma', (s) => s.pendingGate === 'production-qa', 'production-qa gate');
    // Visibility catches up with the last upsert, then the worker goes: list must not need it.
    await pollUntil(
      () => listed('--gate', 'production-qa'),
      (rows) => rows.some((row) => row.flag === 'list_gamma'),
      { what: 'list_gamma listed at production-qa', timeoutMs: 10_000, intervalMs: 200 },
    );
    await stack.stopWorker();
  }, 60_000);

  afterAll(async () => {
    await stack.startWorker();
    for (const flag of flags) await rollouts.send(flag, 'abort', { by: 'carol', reason: 'test cleanup' }, 30_000).catch(() => undefined);
  }, 60_000);

  it('lists running rollouts from their search attributes with no worker running', async () => {
    const rows = (await listed()).filter((row) => flags.includes(row.flag));
    expect(rows.sort((a, b) => a.flag.localeCompare(b.flag))).toEqual([
      expect.objectContaining({ flag: 'list_alpha', execution: 'RUNNING', state: 'awaiting-approval', stage: 'staging-qa', pendingGate: 'staging-qa', percentage: 0, requester: 'carol', closedAt: null }),
      expect.objectContaining({ flag: 'list_beta', state: 'awaiting-approval', pendingGate: 'staging-qa', requester: 'dave' }),
      expect.objectContaining({ flag: 'list_gamma', state: 'awaiting-approval', stage: 'production-qa', pendingGate: 'production-qa' }),
    ]);
    const table = await cli('list');
    expect(table.stdout).toMatch(/^FLAG\s+STATE\s+STAGE\s+PENDING\s+PERCENT\s+REQUESTER\s+STARTED\s+ENDED$/m);
    expect(table.stdout).toMatch(/^list_gamma\s+awaiting-approval\s+production-qa\s+production-qa\s+0%\s+carol\s/m);
  });

  it('filters by flag, state, gate and requester in one query', async () => {
    expect(flagsOf(await listed('--flag', 'list_beta'))).toEqual(['list_beta']);
    expect(flagsOf(await listed('--gate', 'staging-qa'))).toEqual(['list_alpha', 'list_beta']);
    expect(flagsOf(await listed('--gate', 'production-qa', '--requester', 'carol'))).toEqual(['list_gamma']);
    expect(flagsOf(await listed('--requester', 'dave'))).toEqual(['list_beta']);
    expect(flagsOf(await listed('--state', 'awaiting-approval', '--flag', 'list_alpha'))).toEqual(['list_alpha']);
    expect(await listed('--state', 'running', '--flag', 'list_alpha')).toEqual([]);
    expect(await listed('--flag', 'list_alpha', '--gate', 'none')).toEqual([]);
    expect(await listed('--limit', '1')).toHaveLength(1);
  });

  it('refuses bad filters with what is allowed, before asking Temporal', async () => {
    const cases: [string[], RegExp][] = [
      [['--flag', 'List-Alpha'], /--flag "List-Alpha": a flag name is lowercase letters, digits and "_"/],
      [['--state', 'paused'], /--state "paused": must be one of running, awaiting-approval, rolling-back, rolled-back, completed, failed/],
      [['--gate', 'prod'], /--gate "prod": must be one of staging-qa, production-qa, global-readiness, volume-review, deployment, cleanup, none/],
      [['--requester', '-x'], /--requester "-x": must be a GitLab username/],
      [['--requester', 'a"b'], /--requester "a"b": must be a GitLab username/],
    ];
    for (const [argv, message] of cases) {
      const out = await cli('list', ...argv);
      expect(out.code).toBe(EXIT_CODES.usage);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe('');
    }
  });
});

describe('rollout watch', () => {
  /** The lines of piped watch output without their timestamps and countdowns (what decides whether a line is new). */
  const bodies = (stdout: string) =>
    stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/^\S+ {2}/, '').replace(/ \((in [^)]+|now)\)/g, ''));

  it('follows a rollout to completion, a line per change when piped, and exits 0', async () => {
    const flag = 'watch_completes';
    await rollouts.start(fastPlan(flag));
    const watch = startCli(['watch', flag, '--interval', '1s']);
    // Each gate is approved once the watch has shown it (a query can wait while the workflow is busy, so a watch may
    // skip states that pass quickly, but never a gate that waits).
    for (const gate of ['staging-qa', 'production-qa'] as const) {
      await pollUntil(watch.stdout, (out) => out.includes(`pending ${gate}`), { what: `${gate} in the watch`, timeoutMs: 20_000, intervalMs: 50 });
      await rollouts.send(flag, 'approve', { gate, by: 'alice' }, 30_000);
    }
    await pollUntil(watch.stdout, (out) => out.includes('pending global-readiness'), { what: 'global-readiness in the watch', timeoutMs: 20_000, intervalMs: 50 });
    const confirmed = [...fastPlan(flag).readiness];
    await rollouts.send(flag, 'approve', { gate: 'global-readiness', by: 'alice', confirmed }, 30_000);

    expect(await watch.done).toBe(EXIT_CODES.ok);
    expect(watch.stderr()).toBe('');
    const out = watch.stdout();
    expect(out).not.toContain('\u001b');
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}\S/);
    expect(out).toMatch(/awaiting-approval {2}staging-qa 0% of actors .* {2}pending staging-qa until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 4m \d+s\)/);
    expect(out).toMatch(/running {2}(ramp|verification) (50|100)% of actors {2}volume [\d,]+ of 10,000,000\/day → \S+ {2}next check \S+Z \((in \d+s|now)\)/);
    expect(lines.at(-1)).toMatch(/completed {2}completed 100% of actors .* {2}outcome: /);
    // Only changes are printed: no line repeats the one before it.
    const seen = bodies(out);
    seen.forEach((body, i) => i > 0 && expect(body).not.toBe(seen[i - 1]));
  }, 60_000);

  it('exits 7 when the rollout rolls back, and prints an ended rollout once (also `status --follow`)', async () => {
    const flag = 'watch_rolls_back';
    await rollouts.start(fastPlan(flag));
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    const watch = startCli(['watch', flag]);
    await pollUntil(watch.stdout, (out) => out.includes('pending staging-qa'), { what: 'watch output', timeoutMs: 10_000, intervalMs: 50 });
    await rollouts.send(flag, 'reject', { gate: 'staging-qa', by: 'alice', reason: 'QA found a bug' }, 30_000);
    expect(await watch.done).toBe(EXIT_CODES.rolledBack);
    expect(watch.stdout().trimEnd().split('\n').at(-1)).toMatch(/rolled-back {2}.*outcome: .*QA found a bug/);
    expect(watch.stderr()).toBe('');

    for (const argv of [['watch', flag], ['status', flag, '--follow']]) {
      const again = await cli(...argv);
      expect(again.code).toBe(EXIT_CODES.rolledBack);
      expect(again.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/rolled-back .*QA found a bug/)]);
    }
    // A final state lists ended rollouts without --all.
    const { value } = await pollUntil(() => listed('--state', 'rolled-back', '--flag', flag), (rows) => rows.length > 0, {
      what: 'the rolled-back rollout in the list',
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    expect(value).toEqual([expect.objectContaining({ flag, execution: 'FAILED', state: 'rolled-back', pendingGate: null })]);
  }, 60_000);

  it('says that no worker answers and keeps watching until one does', async () => {
    const flag = 'watch_no_worker';
    await stack.stopWorker();
    try {
      await rollouts.start(fastPlan(flag));
      const watch = startCli(['watch', flag]);
      await pollUntil(watch.stdout, (out) => out.includes('still watching'), { what: 'the silent-worker line', timeoutMs: 20_000, intervalMs: 100 });
      expect(watch.stdout()).toMatch(/did not answer the status query within 5 s; is a worker running on task queue .*; still watching/);
      await stack.startWorker();
      await pollUntil(watch.stdout, (out) => out.includes('pending staging-qa'), { what: 'the gate once the worker is back', timeoutMs: 20_000, intervalMs: 100 });
      await rollouts.send(flag, 'abort', { by: 'sre-oncall', reason: 'test over' }, 30_000);
      expect(await watch.done).toBe(EXIT_CODES.rolledBack);
    } finally {
      await stack.startWorker();
    }
  }, 60_000);

  it('redraws in place on a terminal, with the countdown recomputed', async () => {
    const flag = 'watch_on_a_tty';
    await rollouts.start(fastPlan(flag));
    await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa gate');
    const watch = startCli(['watch', flag, '--interval', '1s'], true);
    // Two draws at least, so the second has moved the cursor up over the first.
    await pollUntil(watch.stdout, (out) => out.split('\u001b[J').length >= 3, { what: 'three draws', timeoutMs: 10_000, intervalMs: 100 });
    await rollouts.send(flag, 'abort', { by: 'carol', reason: 'test over' }, 30_000);
    expect(await watch.done).toBe(EXIT_CODES.rolledBack);
    const draws = watch.stdout().split(/\u001b\[\d+F\u001b\[J/);
    const first = draws[0]!.trimEnd().split('\n');
    expect(first[0]).toBe(`rollout of ${flag}: awaiting-approval`);
    expect(first).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}pending: {5}staging-qa, deadline \S+Z \(in 4m \d+s\)$/),
        expect.stringMatching(/^ {2}updated \S+Z, every 1s; Ctrl-C stops watching/),
      ]),
    );
    // Each redraw moves up exactly as many lines as the draw before it had.
    const moves = [...watch.stdout().matchAll(/\u001b\[(\d+)F/g)].map((m) => Number(m[1]));
    moves.forEach((lines, i) => expect(lines).toBe(draws[i]!.trimEnd().split('\n').length));
    expect(draws.at(-1)).toMatch(/rollout of watch_on_a_tty: rolled-back[\s\S]*ended; exit code 7/);
  }, 60_000);

  it('answers usage errors and unknown rollouts with their codes', async () => {
    const both = await cli('status', 'whatever', '--follow', '--json');
    expect(both.code).toBe(EXIT_CODES.usage);
    expect(both.stderr).toMatch(/--follow.*cannot be used with.*--json/);
    const missing = await cli('watch', 'never_started_flag');
    expect(missing.code).toBe(EXIT_CODES.notFound);
    expect(missing.stderr).toMatch(/no rollout of never_started_flag was found/);
    const badInterval = await cli('watch', 'x', '--interval', 'often');
    expect(badInterval.code).toBe(EXIT_CODES.usage);
  });
});
