// The rollout report on built statuses: the model, Markdown checklist, JSON, SVG chart and HTML, and the escaping of what people sent.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FlagGates } from '../flags/flag-gates';
import { parsePlan } from '../plan/parse-plan';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import { buildRolloutReport, type VolumeInput } from '../report/build-rollout-report';
import { formatCount, formatNumber } from '../report/format-report-values';
import { codeSpan, escapeMarkdown } from '../report/markdown-text';
import { renderReport } from '../report/render-report';
import { renderSvgChart } from '../report/render-svg-chart';
import { ROLLOUT_REPORT_SCHEMA, type RolloutReport } from '../report/rollout-report';
import { escapeXml } from '../report/xml-text';
import type { GuardDecision } from '../volume/guard-decision';
import { minutesBetween } from '../volume/read-sent-per-minute';
import type { RolloutStatus, StepRecord } from '../workflows/rollout-status';

const FLAG = 'route_hll_to_snowplow_phase3';
const T0 = Date.parse('2026-05-04T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const gates = (g: Partial<FlagGates>): FlagGates => ({ boolean: null, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null, ...g });
const ACTORS = ['project:gitlab-org/gitlab', 'group:gitlab-org'];

const plan = parsePlan({
  flag: FLAG,
  requester: 'carol',
  approvers: ['alice', 'bob'],
  operators: ['sre-oncall'],
  production: { actors: { project: ['gitlab-org/gitlab'], group: ['gitlab-org'], user: [] } },
  ramp: { steps: [10, 50, 100], soak: '15m' },
  verification: '24h',
});

function decision(minute: number, d: Partial<GuardDecision>): GuardDecision {
  return {
    at: at(minute),
    query: 'GET …',
    day: '2026-05-04',
    count: 1000,
    key: `snowplow_sent:{${FLAG}}:2026-05-04`,
    rollingAverage: null,
    windowSeconds: 900,
    windowCount: 900,
    ratePerSecond: 1,
    percentage: 10,
    nextPercentage: 50,
    projection: 432_000,
    budgetPerDay: 10_000_000,
    verdict: 'within-budget',
    reason: 'within the budget',
    ...d,
  };
}

function status(s: Partial<RolloutStatus> & Pick<RolloutStatus, 'steps' | 'state' | 'stage'>): RolloutStatus {
  return {
    workflowId: `rollout-${FLAG}`,
    flag: FLAG,
    requester: 'carol',
    approvers: ['alice', 'bob'],
    pendingGate: null,
    pendingGateReason: null,
    gateDeadline: null,
    percentage: 0,
    lastVolume: null,
    guard: { checks: 0, decisions: [], unreadableSince: null, nextCheckAt: null },
    refused: [],
    refusedCount: 0,
    overwritten: [],
    outcome: null,
    startedAt: at(0),
    endedAt: null,
    run: 1,
    plan,
    ...s,
  };
}

const forwardSteps: StepRecord[] = [
  { at: at(0), stage: 'non-production', action: 'enabled globally', environment: 'dev' },
  { at: at(0), stage: 'non-production', action: 'enabled globally', environment: 'staging' },
  { at: at(1), stage: 'non-production', action: 'enabled globally', environment: 'staging-ref' },
  { at: at(30), stage: 'staging-qa', gate: 'staging-qa', action: 'approved', by: 'alice', comment: 'QA passed on staging-canary' },
  { at: at(31), stage: 'production-actors', action: 'enabled for actors', environment: 'production', actors: ACTORS },
  { at: at(60), stage: 'production-qa', gate: 'production-qa', action: 'approved', by: 'bob' },
  { at: at(90), stage: 'global-readiness', gate: 'global-readiness', action: 'approved', by: 'alice', confirmed: [...READINESS_ITEM_IDS] },
  { at: at(91), stage: 'ramp', action: 'set 10% of actors', environment: 'production', percentage: 10 },
];

const completed = status({
  state: 'completed',
  stage: 'completed',
  percentage: 100,
  steps: [
    ...forwardSteps,
    { at: at(106), stage: 'ramp', action: 'set 50% of actors', environment: 'production', percentage: 50 },
    { at: at(121), stage: 'ramp', action: 'set 100% of actors', environment: 'production', percentage: 100 },
    { at: at(136), stage: 'global', action: 'enabled globally', environment: 'production' },
    { at: at(136 + 1440), stage: 'verification', action: 'verified for 24h' },
  ],
  guard: {
    checks: 120,
    decisions: [decision(105, { projection: 2_160_000, nextPercentage: 50 }), decision(120, { percentage: 50, nextPercentage: 100, projection: 8_640_123, count: 40_000 })],
    unreadableSince: null,
    nextCheckAt: null,
  },
  outcome: { reason: `${FLAG} is enabled globally on production and passed 24h of verification`, at: at(1576) },
  endedAt: at(1576),
});

const production0 = gates({ actors: ['project:gitlab-org/existing'] });
const breached = status({
  state: 'rolled-back',
  stage: 'ramp',
  percentage: 10,
  steps: [
    ...forwardSteps,
    { at: at(100), stage: 'rollback', action: 'rolling back: Snowplow volume over budget: 10,500,000 events' },
    { at: at(100), stage: 'rollback', action: 'restored previous gates', environment: 'production', gates: production0 },
    { at: at(100), stage: 'rollback', action: 'overwrote a change made by hand during the rollout (found …)', environment: 'production' },
    { at: at(101), stage: 'rollback', action: 'restored previous gates', environment: 'staging-ref', gates: null },
    { at: at(101), stage: 'rollback', action: 'restored previous gates', environment: 'staging', gates: null },
    { at: at(101), stage: 'rollback', action: 'restored previous gates', environment: 'dev', gates: gates({ boolean: false }) },
  ],
  overwritten: [
    {
      at: at(100),
      environment: 'production',
      expected: gates({ actors: [...ACTORS, 'project:gitlab-org/existing'].sort(), percentageOfActors: 10 }),
      found: gates({ actors: [...ACTORS, 'project:gitlab-org/existing', 'user:by-hand'].sort(), percentageOfActors: 10 }),
      restored: production0,
    },
  ],
  guard: {
    checks: 3,
    decisions: [
      decision(95, {}),
      decision(99, { count: 10_500_000, projection: null, verdict: 'over-budget', reason: '10500000 events on 2026-05-04 exceed the budget of 10000000/day' }),
    ],
    unreadableSince: null,
    nextCheckAt: null,
  },
  outcome: { cause: 'guard-breach', reason: 'Snowplow volume over budget: 10500000 events on 2026-05-04 exceed the budget', at: at(100) },
  endedAt: at(101),
});

function seriesFor(s: RolloutStatus, value: (i: number) => number): VolumeInput {
  const { first, count } = minutesBetween(new Date(s.startedAt), new Date(s.endedAt ?? s.startedAt));
  return { series: { firstMinute: new Date(first * 60_000).toISOString(), counts: Array.from({ length: count }, (_, i) => value(i)) } };
}

const NOW = new Date(T0 + 3 * 86_400_000);

describe('the report model', () => {
  it('fills in the checklist of a completed rollout: every stage done, with its time, decisions and readiness items', () => {
    const report = buildRolloutReport(completed, seriesFor(completed, () => 5), NOW);
    expect(report.schema).toBe(ROLLOUT_REPORT_SCHEMA);
    expect(report.checklist.map((i) => [i.stage, i.status])).toEqual([
      ['non-production', 'done'],
      ['staging-qa', 'done'],
      ['production-actors', 'done'],
      ['production-qa', 'done'],
      ['global-readiness', 'done'],
      ['ramp', 'done'],
      ['global', 'done'],
      ['verification', 'done'],
    ]);
    const qa = report.checklist.find((i) => i.stage === 'staging-qa')!;
    expect(qa).toMatchObject({ gate: 'staging-qa', doneAt: at(30) });
    expect(qa.decisions).toEqual([{ at: at(30), gate: 'staging-qa', stage: 'staging-qa', decision: 'approved', by: 'alice', comment: 'QA passed on staging-canary' }]);
    const readiness = report.checklist.find((i) => i.stage === 'global-readiness')!.readiness!;
    expect(readiness).toHaveLength(7);
    expect(readiness.every((r) => r.confirmed && r.confirmedBy === 'alice' && r.required)).toBe(true);
    expect(report.checklist.find((i) => i.stage === 'ramp')!.rampSteps).toEqual([
      { percentage: 10, setAt: at(91) },
      { percentage: 50, setAt: at(106) },
      { percentage: 100, setAt: at(121) },
    ]);
    expect(report.percentageSteps.map((s) => [s.percentage, s.stage])).toEqual([
      [10, 'ramp'],
      [50, 'ramp'],
      [100, 'ramp'],
      [100, 'global'],
    ]);
    expect(report.decisions.map((d) => `${d.gate} ${d.decision} ${d.by}`)).toEqual(['staging-qa approved alice', 'production-qa approved bob', 'global-readiness approved alice']);
    expect(report.guard).toMatchObject({ checks: 120, kept: 2, highestProjection: { projection: 8_640_123, percentage: 50, nextPercentage: 100 }, stoppedBy: null });
    expect(report.outcome).toMatchObject({ state: 'completed', cause: null, restored: [], overwritten: [] });
    // Without a rollback the gates before the rollout are not in the status: the changes are listed without them.
    expect(report.flagChanges).toHaveLength(8);
    expect(report.flagChanges[0]).toEqual({ at: at(0), stage: 'non-production', environment: 'dev', action: 'enabled globally', change: { kind: 'boolean', value: true } });
    expect(report.flagChanges[5]!.change).toEqual({ kind: 'percentage', gate: 'percentageOfActors', value: 50 });
    expect(report.volume).toMatchObject({ available: true, total: 5 * report.volume.counts.length, budgetPerMinute: 10_000_000 / 1440 });
  });

  it('replays before → after per environment from the gates the rollback restored, and names the decision that stopped it', () => {
    const report = buildRolloutReport(breached, seriesFor(breached, (i) => (i === 99 ? 7000 : 10)), NOW);
    expect(report.checklist.map((i) => i.status)).toEqual(['done', 'done', 'done', 'done', 'done', 'stopped', 'not-reached', 'not-reached']);
    const production = report.flagChanges.filter((c) => c.environment === 'production');
    expect(production.map((c) => [c.change.kind, c.before, c.after])).toEqual([
      ['actors', production0, gates({ actors: [...ACTORS, 'project:gitlab-org/existing'].sort() })],
      ['percentage', gates({ actors: [...ACTORS, 'project:gitlab-org/existing'].sort() }), gates({ actors: [...ACTORS, 'project:gitlab-org/existing'].sort(), percentageOfActors: 10 })],
      // The restore found the hand-made change (user:by-hand) and put back the gates from before the rollout.
      ['restore', breached.overwritten[0]!.found, production0],
    ]);
    const dev = report.flagChanges.filter((c) => c.environment === 'dev');
    expect(dev.map((c) => [c.before, c.after])).toEqual([
      [gates({ boolean: false }), gates({ boolean: true })],
      [gates({ boolean: true }), gates({ boolean: false })],
    ]);
    expect(report.outcome).toMatchObject({ state: 'rolled-back', cause: 'guard-breach', by: null, at: at(100) });
    expect(report.outcome!.restored.map((r) => r.environment)).toEqual(['production', 'staging-ref', 'staging', 'dev']);
    expect(report.outcome!.overwritten).toEqual(breached.overwritten);
    expect(report.guard.stoppedBy).toMatchObject({ verdict: 'over-budget', count: 10_500_000 });
    expect(report.guard.highestDailyCount).toMatchObject({ count: 10_500_000 });
    expect(report.volume.peak).toEqual({ minute: at(99), count: 7000 });
  });

  it('shows a running rollout waiting at a gate, and takes statuses with fields it does not know', () => {
    const running = status({
      state: 'awaiting-approval',
      stage: 'production-qa',
      pendingGate: 'production-qa',
      gateDeadline: at(60 + 7 * 1440),
      steps: [...forwardSteps.slice(0, 5), { at: at(50), stage: 'production-qa', action: 'paused by alice', by: 'alice', futureField: 1 } as StepRecord],
    });
    const extended = { ...running, paused: { by: 'alice', reason: 'incident 42', at: at(50) }, pendingGateApprovals: { required: 2, approvedBy: ['bob'], mayStillApprove: ['alice'] }, signatures: [] };
    const report = buildRolloutReport(extended, { unavailable: 'cannot reach Redis at redis://127.0.0.1:1' }, NOW);
    expect(report.checklist.map((i) => i.status)).toEqual(['done', 'done', 'done', 'awaiting-approval', 'not-reached', 'not-reached', 'not-reached', 'not-reached']);
    expect(report.pendingGate).toEqual({ gate: 'production-qa', reason: null, deadline: at(60 + 7 * 1440) });
    expect(report.paused).toEqual({ by: 'alice', reason: 'incident 42', at: at(50) });
    expect(report.outcome).toBeNull();
    expect(report.volume).toMatchObject({ available: false, counts: [], unavailableReason: 'cannot reach Redis at redis://127.0.0.1:1' });
    // Until the report is made: the running rollout's minutes end now.
    expect(report.volume.lastMinute).toBe(NOW.toISOString());
    const markdown = renderReport(report, 'markdown');
    expect(markdown).toContain('- [ ] Verify that the feature works on the specific entries; post the QA result _(waiting for approval)_');
    expect(markdown).toContain(`waiting for a decision at gate production-qa until 2026-05-11 10:00:00 UTC`);
    expect(markdown).toContain('| Paused | since 2026-05-04 09:50:00 UTC by alice: incident 42 |');
    expect(markdown).toContain('The per-minute series is not available: cannot reach Redis at redis://127.0.0.1:1');
    expect(Object.keys(JSON.parse(renderReport(report, 'json')) as object)).not.toContain('signatures');
  });
});

describe('Markdown', () => {
  it('is the rollout issue checklist with [x] items, decisions, commands, flag changes, guard and volume, numbers with separators', () => {
    const md = renderReport(buildRolloutReport(completed, seriesFor(completed, (i) => (i === 130 ? 12_345 : 100)), NOW), 'markdown');
    expect(md).toMatch(/^## Rollout of route\\_hll\\_to\\_snowplow\\_phase3: completed\n/);
    expect(md).toContain('#### Rollout on non-production environments');
    expect(md).toContain('#### Preparation before global rollout');
    expect(md).toContain('- [x] Enable the feature globally on non-production environments (dev, staging, staging-ref) — 2026-05-04 09:01:00 UTC');
    expect(md).toContain(`  - \`/chatops run feature set ${FLAG} true --dev --staging --staging-ref\``);
    expect(md).toContain('  - 2026-05-04 09:30:00 UTC: gate staging-qa **approved** by alice: “QA passed on staging-canary”');
    expect(md).toContain('  - [x] A milestone is set on the rollout issue — confirmed by alice, 2026-05-04 10:30:00 UTC');
    expect(md).toContain(`  - [x] 50 % — set 2026-05-04 10:46:00 UTC: \`/chatops run feature set ${FLAG} 50 --actors\``);
    expect(md).toContain(`  - \`/chatops run feature set --project=gitlab-org/gitlab --group=gitlab-org ${FLAG} true\``);
    expect(md).toContain('- [x] Wait for the verification term (24h) while the volume guard watches');
    expect(md.match(/^- \[x\]/gm)).toHaveLength(8);
    expect(md).not.toMatch(/^- \[ \]/m);
    expect(md).toContain('| Budget | 10,000,000 Snowplow events/day, guard every 15m |');
    expect(md).toContain('- highest projection: 8,640,123 events/day at 100 % (measured at 50 %)');
    expect(md).toContain('- 120 checks against the budget of 10,000,000 events/day (the figures below are over the last 2): 2 within-budget');
    expect(md).toContain('| 2026-05-04 10:46:00 UTC | production | 50% of actors | _not in the status_ | _not in the status_ |');
    expect(md).toContain('peak 12,345/min at 2026-05-04 11:10:00 UTC; budget 6,944.44/min (10,000,000/day ÷ 1,440 minutes); 1 minutes above the budget line');
    expect(md).toContain('**Completed** 2026-05-05 11:16:00 UTC');
  });

  it('says how a rollback ended: cause, restored gates, overwritten hand-made changes, the guard decision that stopped it', () => {
    const md = renderReport(buildRolloutReport(breached, seriesFor(breached, () => 1), NOW), 'markdown');
    expect(md).toContain('**Rolled back** (cause: guard-breach), 2026-05-04 10:40:00 UTC: Snowplow volume over budget');
    expect(md).toContain('- production: actors: project:gitlab-org/existing (2026-05-04 10:40:00 UTC, restored previous gates)');
    expect(md).toContain('- dev: off (2026-05-04 10:41:00 UTC, restored previous gates)');
    expect(md).toMatch(/- production, 2026-05-04 10:40:00 UTC: found .*user:by-hand.*; the rollout had written .*; restored actors: project:gitlab-org\/existing/);
    expect(md).toContain('- **stopped the rollout**: 2026-05-04 10:39:00 UTC: 10,500,000 of 10,000,000/day');
    expect(md).toContain('- [ ] Incrementally roll out the feature (10, 50, 100 % of actors, soak 15m) _(stopped here)_');
    expect(md).toContain('  - the rollout stopped here: Snowplow volume over budget');
    expect(md).toContain('- [ ] Enable the feature globally on production _(not reached)_');
    expect(md).toContain('| 2026-05-04 09:00:00 UTC | dev | enable (boolean gate on) | off | on |');
  });

  it('escapes everything people sent: no formatting, links, HTML, mentions, references or forged lines', () => {
    const evil = 'ok @all see #123 !4 ~label [click](http://evil.example) <img src=x onerror=alert(1)> | **bold** `code`\n- [x] forged item';
    const hostile = status({
      state: 'rolled-back',
      stage: 'staging-qa',
      requester: 'mallory_<b>',
      approvers: ['alice', '@everyone'],
      steps: [
        forwardSteps[0]!,
        { at: at(5), stage: 'staging-qa', gate: 'staging-qa', action: 'rejected', by: 'bob|x', comment: evil },
        { at: at(5), stage: 'rollback', action: `rolling back: gate staging-qa rejected by bob|x: ${evil}`, by: 'bob|x' },
        { at: at(6), stage: 'rollback', action: 'restored previous gates', environment: 'dev', gates: gates({ actors: ['user:a|b'] }) },
      ],
      refused: [{ at: at(4), signal: 'approve', gate: 'staging-qa', by: '<script>', reason: evil }],
      refusedCount: 1,
      outcome: { cause: 'rejected', reason: `gate staging-qa rejected by bob|x: ${evil}`, by: 'bob|x', at: at(5) },
      endedAt: at(6),
    });
    const md = renderReport(buildRolloutReport(hostile, seriesFor(hostile, () => 0), NOW), 'markdown');
    expect(md).not.toMatch(/(?<!\\)@(all|everyone)/);
    expect(md).not.toMatch(/(?<!\\)#123/);
    expect(md.replace(/^ *- \[[ x]\] /gm, '')).not.toMatch(/(?<!\\)[<[]/);
    expect(md).not.toMatch(/(?<!\\)\*\*bold/);
    expect(md).not.toMatch(/^- \[x\] forged/m);
    expect(md).toContain('\\@all see \\#123 \\!4 \\~label \\[click\\](http://evil.example) \\<img src=x onerror=alert(1)\\> \\| \\*\\*bold\\*\\* \\`code\\`\\\\n- \\[x\\] forged item');
    // Every table row still has its columns: a pipe people sent is escaped.
    const rows = md.split('\n').filter((line) => line.startsWith('| 2026'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(6);
  });

  it('escapes Markdown and fences code spans', () => {
    expect(escapeMarkdown('a_b *c* [d](e) @f #1 | a-b. c:d')).toBe('a\\_b \\*c\\* \\[d\\](e) \\@f \\#1 \\| a-b. c:d');
    expect(escapeMarkdown('line\nnext\u202e')).toBe('line\\\\nnext\\\\u202e');
    expect(codeSpan('a `b` c')).toBe('``a `b` c``');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(formatCount(10_000_000)).toBe('10,000,000');
    expect(formatNumber(10_000_000 / 1440)).toBe('6,944.44');
  });
});

describe('SVG chart', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

  function parse(svg: string): { svg: Record<string, unknown> } {
    expect(XMLValidator.validate(svg)).toBe(true);
    return parser.parse(svg) as { svg: Record<string, unknown> };
  }

  function polylinePoints(svg: string): string[] {
    const doc = parse(svg);
    const polyline = doc.svg.polyline as { points: string; class: string; 'data-minutes': string };
    expect(polyline.class).toBe('volume-series');
    return polyline.points.trim().split(/\s+/);
  }

  it('has one point per minute of a multi-day rollout, the budget line and a marker per step, gate and rollback', () => {
    const long = { ...breached, endedAt: new Date(T0 + 3 * 86_400_000 + 5 * 60_000 + 59_000).toISOString() };
    const report = buildRolloutReport(long, seriesFor(long, (i) => (i % 1440) * 3), NOW);
    const svg = renderSvgChart(report);
    const points = polylinePoints(svg);
    expect(points).toHaveLength(3 * 1440 + 6);
    expect(report.volume.counts).toHaveLength(points.length);
    // Points go left to right, one per minute, inside the plot.
    const xs = points.map((p) => Number(p.split(',')[0]));
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]!);
    const doc = parse(svg);
    const lines = doc.svg.line as { class?: string }[];
    expect(lines.filter((l) => l.class === 'budget')).toHaveLength(1);
    expect(lines.filter((l) => l.class === 'marker percentage-step')).toHaveLength(1);
    expect(lines.filter((l) => l.class === 'marker gate')).toHaveLength(3);
    expect(lines.filter((l) => l.class === 'marker rollback')).toHaveLength(1);
    expect(doc.svg.circle).toBeUndefined(); // dots only for short rollouts
    expect(svg).toContain('budget per minute = 10,000,000 events/day ÷ 1,440 minutes = 6,944.44');
    // Self-contained: no links, external images, fonts or stylesheets.
    expect(svg).not.toMatch(/href|url\(|@import|<image|<script/i);
  });

  it('draws a dot with a tooltip per minute for a short rollout and keeps what people sent inert', () => {
    const hostile = { ...completed, flag: 'f<&>"\'', steps: completed.steps.map((s) => (s.gate === 'staging-qa' ? { ...s, by: '<b>bob</b> & "co"' } : s)) };
    const short = { ...hostile, endedAt: at(119) };
    const report = buildRolloutReport(short, seriesFor(short, (i) => i), NOW);
    const svg = renderSvgChart(report);
    expect(polylinePoints(svg)).toHaveLength(120);
    const doc = parse(svg);
    expect(doc.svg.circle as unknown[]).toHaveLength(120);
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('staging-qa approved by &lt;b&gt;bob&lt;/b&gt; &amp; &quot;co&quot;');
    const texts = JSON.stringify(new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: true }).parse(svg));
    expect(texts).toContain('Snowplow events per minute behind f<&>\\"\'');
  });

  it('renders without the series when it could not be read, and says why', () => {
    const report = buildRolloutReport(breached, { unavailable: 'cannot reach Redis at redis://127.0.0.1:9: connect ECONNREFUSED' }, NOW);
    const svg = renderSvgChart(report);
    const doc = parse(svg);
    expect(doc.svg.polyline).toBeUndefined();
    expect(svg).toContain('per-minute volume not available: cannot reach Redis at redis://127.0.0.1:9: connect ECONNREFUSED');
    expect((doc.svg.line as { class?: string }[]).filter((l) => l.class?.startsWith('marker'))).toHaveLength(5);
  });

  it('escapes XML, including characters XML cannot hold', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000\ud800`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\\u0000\ufffd');
  });
});

describe('JSON and HTML', () => {
  it('prints the report model as JSON, and HTML with the chart inline', () => {
    const report = buildRolloutReport(breached, seriesFor(breached, () => 2), NOW);
    const json = JSON.parse(renderReport(report, 'json')) as RolloutReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(report)));
    expect(json.schema).toBe('flag-rollout-report/v1');
    const html = renderReport(report, 'html');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(XMLValidator.validate(html.replace('<!DOCTYPE html>\n', ''))).toBe(true);
  });
});
