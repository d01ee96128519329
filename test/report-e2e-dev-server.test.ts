// `rollout report` end to end on a Temporal dev server, Redis and the tracking path: a completed, a rejected and a guard-breach rollout.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Redis from 'ioredis';
import { parsePlan } from '../plan/parse-plan';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import { buildRolloutReport } from '../report/build-rollout-report';
import type { RolloutReport } from '../report/rollout-report';
import { freePort } from '../stack/free-port';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { startTrackingPath } from '../tracking/start-tracking-path';
import { DEFAULT_EVENT_MIX } from '../traffic/event-mix';
import { startTraffic } from '../traffic/traffic-generator';
import { recordSentEvents } from '../volume/record-sent-events';
import { readSentPerMinute } from '../volume/read-sent-per-minute';
import { snowplowSentPerSecondKey } from '../volume/snowplow-counter-keys';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

let stack: EmbeddedStack;
let redis: Redis;
let cli: (...argv: string[]) => Promise<CliResult>;
let dir: string;
/** `--unsigned` once the CLI signs decisions (keyless plans take unsigned ones); nothing before. */
let unsigned: string[] = [];

/** Plans that name `signing: { mode: keyless }` take unsigned approvals once signing exists; before, the field is refused. */
function signingLines(): string[] {
  try {
    parsePlan({ flag: 'probe', signing: { mode: 'keyless' } });
    return ['signing: { mode: keyless }'];
  } catch {
    return [];
  }
}

function planFile(name: string, guard: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'ramp: { steps: [50, 100], soak: 1s }',
      'verification: 2s',
      `guard: { interval: 1s, minSample: 0, ${guard} }`,
      'approvalTimeout: 5m',
      'requester: carol',
      'approvers: [alice, bob]',
      ...signingLines(),
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  cli = cliRunner(stack.config);
  redis = new Redis(stack.config.redisUrl);
  dir = mkdtempSync(join(tmpdir(), 'rollout-report-'));
  unsigned = (await cli('approve', '--help')).stdout.includes('--unsigned') ? ['--unsigned'] : [];
}, 120_000);

afterAll(async () => {
  await redis?.quit();
  await stack?.stop();
});

async function statusOf(flag: string): Promise<RolloutStatus> {
  const out = await cli('status', flag, '--json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as RolloutStatus;
}

async function until(flag: string, ok: (s: RolloutStatus) => boolean, what: string): Promise<RolloutStatus> {
  return (await pollUntil(() => statusOf(flag), ok, { what, timeoutMs: 30_000, intervalMs: 100 })).value;
}

async function approve(flag: string, gate: string, by: string, ...extra: string[]): Promise<void> {
  await until(flag, (s) => s.pendingGate === gate, `gate ${gate}`);
  expect(await cli('approve', flag, '--gate', gate, '--by', by, ...unsigned, ...extra)).toMatchObject({ code: 0 });
}

async function jsonReport(flag: string): Promise<RolloutReport> {
  const out = await cli('report', flag, '--format', 'json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as RolloutReport;
}

/** The minutes a rollout covers, counted independently of the report code: both ends included. */
function minutesOf(status: RolloutStatus): number {
  return Math.floor(Date.parse(status.endedAt!) / 60_000) - Math.floor(Date.parse(status.startedAt) / 60_000) + 1;
}

/** Writes the SVG chart with --output, checks it is well-formed XML and returns the points of its series. */
async function chartPoints(flag: string): Promise<{ points: string[]; svg: string }> {
  const file = join(dir, `${flag}.svg`);
  const out = await cli('report', flag, '--format', 'svg', '--output', file);
  expect(out).toMatchObject({ code: 0, stdout: `wrote the svg report of ${flag} to ${file}\n`, stderr: '' });
  const svg = readFileSync(file, 'utf8');
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as { svg: { polyline: { points: string; 'data-minutes': string } } };
  expect(svg).not.toMatch(/href|url\(|<image|<script/i);
  return { points: doc.svg.polyline.points.trim().split(/\s+/), svg };
}

/** The report model built from the status and the counters as they are now, for the same moment as `report`. */
async function expectedModel(flag: string, report: RolloutReport): Promise<RolloutReport> {
  const status = await statusOf(flag);
  const series = await readSentPerMinute(redis, flag, new Date(status.startedAt), new Date(status.endedAt!));
  return JSON.parse(JSON.stringify(buildRolloutReport(status, { series }, new Date(report.generatedAt)))) as RolloutReport;
}

describe('rollout report against a Temporal dev server', () => {
  it('reports a completed rollout with real traffic: the checklist done, decisions, changes and one point per minute', async () => {
    const flag = 'report_happy_flag';
    const tracking = await startTrackingPath({ ...stack.config, tracking: { ...stack.config.tracking, flag, instanceId: 'report-e2e' } });
    const traffic = startTraffic(tracking.tracker, { rate: 100, namespaces: 10, users: 200, mix: DEFAULT_EVENT_MIX, env: 'production' });
    let status: RolloutStatus;
    try {
      expect((await cli('start', flag, '--plan', planFile('happy', 'budgetPerDay: 1000000000'))).code).toBe(0);
      await approve(flag, 'staging-qa', 'alice', '--comment', 'QA passed on staging-canary');
      await approve(flag, 'production-qa', 'bob', '--comment', 'works for gitlab-org');
      await approve(flag, 'global-readiness', 'alice', '--confirm', READINESS_ITEM_IDS.join(','));
      status = await until(flag, (s) => s.state === 'completed', 'completion');
    } finally {
      traffic.stop();
      await tracking.tracker.flush({ timeoutMs: 10_000 });
      await tracking.close();
    }

    const markdown = await cli('report', flag);
    expect(markdown).toMatchObject({ code: 0, stderr: '' });
    const md = markdown.stdout;
    expect(md).toMatch(/^## Rollout of report\\_happy\\_flag: completed\n/);
    expect(md.match(/^- \[x\] /gm)).toHaveLength(8);
    expect(md).not.toMatch(/^ *- \[ \] /m);
    expect(md.match(/^ {2}- \[x\] /gm)).toHaveLength(READINESS_ITEM_IDS.length + 2); // readiness items and ramp steps
    expect(md).toMatch(/: gate staging-qa \*\*approved\*\* by alice: “QA passed on staging-canary”/);
    expect(md).toMatch(/: gate production-qa \*\*approved\*\* by bob: “works for gitlab-org”/);
    expect(md).toContain('  - [x] A milestone is set on the rollout issue — confirmed by alice, ');
    expect(md).toMatch(/- \[x\] 50 % — set .*: `\/chatops run feature set report_happy_flag 50 --actors`/);
    expect(md).toContain('**Completed** ');
    expect(md).toContain('| Budget | 1,000,000,000 Snowplow events/day, guard every 1s |');

    const report = await jsonReport(flag);
    expect(report).toEqual(await expectedModel(flag, report));
    expect(report).toMatchObject({ schema: 'flag-rollout-report/v1', flag, state: 'completed', requester: 'carol', outcome: { state: 'completed', cause: null } });
    expect(report.checklist.every((item) => item.status === 'done')).toBe(true);
    expect(report.decisions.map((d) => `${d.gate} ${d.decision} ${d.by}`)).toEqual(['staging-qa approved alice', 'production-qa approved bob', 'global-readiness approved alice']);
    expect(report.percentageSteps.map((s) => s.percentage)).toEqual([50, 100, 100]);
    expect(report.flagChanges.map((c) => `${c.environment} ${c.change.kind}`)).toEqual([
      'dev boolean',
      'staging boolean',
      'staging-ref boolean',
      'production actors',
      'production percentage',
      'production percentage',
      'production boolean',
    ]);
    expect(report.guard.checks).toBeGreaterThan(0);

    // Real traffic reached the per-minute counters, which count exactly what the per-second ones count.
    expect(report.volume.available).toBe(true);
    expect(report.volume.counts).toHaveLength(minutesOf(status));
    expect(report.volume.total).toBeGreaterThan(0);
    const first = Date.parse(report.volume.firstMinute) / 1000;
    const seconds = Array.from({ length: report.volume.counts.length * 60 }, (_, i) => snowplowSentPerSecondKey(flag, first + i));
    const perSecond = (await redis.mget(...seconds)).reduce((sum, v) => sum + Number(v ?? 0), 0);
    expect(report.volume.total).toBe(perSecond);

    const { points, svg } = await chartPoints(flag);
    expect(points).toHaveLength(minutesOf(status));
    expect(svg.match(/<circle class="minute"/g)).toHaveLength(minutesOf(status));
    expect(svg.match(/class="marker percentage-step"/g)).toHaveLength(3);
    expect(svg.match(/class="marker gate"/g)).toHaveLength(3);
  });

  it('reports a rejected rollout: who rejected and why (escaped), what the rollback restored and the hand-made change it overwrote', async () => {
    const flag = 'report_rejected_flag';
    expect((await cli('start', flag, '--plan', planFile('rejected', 'budgetPerDay: 1000000000'))).code).toBe(0);
    await approve(flag, 'staging-qa', 'alice');
    await until(flag, (s) => s.pendingGate === 'production-qa', 'gate production-qa');
    expect((await cli('feature', 'set', flag, 'true', '--user', 'by-hand', '--force')).code).toBe(0); // --force: the rollout is running
    expect((await cli('reject', flag, '--gate', 'production-qa', '--by', 'bob', '--reason', 'error rate up @gitlab-org #123 <b>bold</b>', ...unsigned)).code).toBe(0);
    const status = await until(flag, (s) => s.state === 'rolled-back', 'rollback');

    const md = (await cli('report', flag)).stdout;
    expect(md).toMatch(/^## Rollout of report\\_rejected\\_flag: rolled back\n/);
    expect(md).toMatch(/\*\*Rolled back\*\* \(cause: rejected\) by bob, .*: gate production-qa rejected by bob: error rate up \\@gitlab-org \\#123 \\<b\\>bold\\<\/b\\>/);
    expect(md).toMatch(/: gate production-qa \*\*rejected\*\* by bob: “error rate up \\@gitlab-org \\#123 \\<b\\>bold\\<\/b\\>”/);
    expect(md).toMatch(/^- \[ \] Verify that the feature works on the specific entries; post the QA result _\(stopped here\)_$/m);
    expect(md.match(/^- \[x\] /gm)).toHaveLength(3);
    expect(md).toContain('It overwrote changes made by hand during the rollout (`overwritten`):');
    expect(md).toMatch(/- production, .*: found actors: group:gitlab-com, .*user:by-hand; the rollout had written actors: group:gitlab-com/);
    expect(md).toMatch(/^- dev: not set \(/m);
    expect(md).not.toMatch(/(?<!\\)<b>/);

    const report = await jsonReport(flag);
    expect(report).toEqual(await expectedModel(flag, report));
    expect(report.outcome).toMatchObject({ state: 'rolled-back', cause: 'rejected', by: 'bob' });
    expect(report.outcome!.overwritten).toHaveLength(1);
    expect(report.outcome!.overwritten[0]!.found!.actors).toContain('user:by-hand');
    expect(report.outcome!.restored.map((r) => [r.environment, r.gates])).toEqual([
      ['production', null],
      ['staging-ref', null],
      ['staging', null],
      ['dev', null],
    ]);
    // The rollback tells the gates before the rollout, so every change has its before and after.
    const dev = report.flagChanges.filter((c) => c.environment === 'dev');
    expect(dev.map((c) => [c.before, c.after])).toEqual([
      [null, { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null }],
      [{ boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null }, null],
    ]);
    expect(report.checklist.map((i) => i.status)).toEqual(['done', 'done', 'done', 'stopped', 'not-reached', 'not-reached', 'not-reached', 'not-reached']);
    const { points } = await chartPoints(flag);
    expect(points).toHaveLength(minutesOf(status));
  });

  it('reports a guard breach: the decision that stopped it and the volume that caused it, minute by minute', async () => {
    const flag = 'report_breach_flag';
    expect((await cli('start', flag, '--plan', planFile('breach', 'budgetPerDay: 100'))).code).toBe(0);
    await approve(flag, 'staging-qa', 'alice');
    await until(flag, (s) => s.pendingGate === 'production-qa', 'gate production-qa');
    // The guard reads today's count: keep the write and the reading on the same UTC day.
    const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (toMidnight < 5000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 100));
    const sentAt = new Date();
    await recordSentEvents(redis, flag, new Map([['i_search_total', 400], ['g_edit_by_web_ide', 100]]), sentAt);
    const status = await until(flag, (s) => s.state === 'rolled-back', 'rollback on the breach');

    const report = await jsonReport(flag);
    expect(report).toEqual(await expectedModel(flag, report));
    expect(report.outcome).toMatchObject({ state: 'rolled-back', cause: 'guard-breach', by: null });
    expect(report.guard.stoppedBy).toMatchObject({ verdict: 'over-budget', count: 500, budgetPerDay: 100 });
    expect(report.volume.total).toBe(500);
    expect(report.volume.counts).toHaveLength(minutesOf(status));
    const minuteIndex = Math.floor(sentAt.getTime() / 60_000) - Math.floor(Date.parse(status.startedAt) / 60_000);
    expect(report.volume.counts[minuteIndex]).toBe(500);
    expect(report.checklist.find((i) => i.stage === 'production-qa')!.status).toBe('stopped');

    const md = (await cli('report', flag)).stdout;
    expect(md).toMatch(/\*\*Rolled back\*\* \(cause: guard-breach\), .*: Snowplow volume over budget/);
    expect(md).toMatch(/- \*\*stopped the rollout\*\*: .*: 500 of 100\/day on \d{4}-\d\d-\d\d; .* → over-budget/);
    expect(md).toContain('500 events sent behind the flag in ');

    const { points, svg } = await chartPoints(flag);
    expect(points).toHaveLength(minutesOf(status));
    expect(svg.match(/class="marker rollback"/g)).toHaveLength(1);
    expect(svg).toContain('budget per minute = 100 events/day ÷ 1,440 minutes = 0.07');
  });

  it('still reports without Redis, saying the chart has no series; refuses unknown rollouts and formats', async () => {
    const offline = cliRunner({ ...stack.config, redisUrl: `redis://127.0.0.1:${await freePort()}` });
    const out = await offline('report', 'report_breach_flag');
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^warning: the report has no volume series: could not read the per-minute Snowplow counters: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(out.stdout).toContain('The per-minute series is not available: could not read the per-minute Snowplow counters: cannot reach Redis');
    expect(out.stdout).toMatch(/\*\*Rolled back\*\* \(cause: guard-breach\)/);
    const svg = await offline('report', 'report_breach_flag', '--format', 'svg');
    expect(XMLValidator.validate(svg.stdout)).toBe(true);
    expect(svg.stdout).toContain('per-minute volume not available');

    const missing = await cli('report', 'never_rolled_out');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no rollout of never_rolled_out was found/);
    const badFormat = await cli('report', 'report_breach_flag', '--format', 'pdf');
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/Allowed choices are markdown, json, svg, html/);
  });
});
