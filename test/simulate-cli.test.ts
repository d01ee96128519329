// `rollout simulate` on the command line: the demo plans against the recorded demo traffic, exit codes, --report, and bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { runCli } from '../client/cli';
import type { RolloutReport } from '../report/rollout-report';

const ROOT = resolve(__dirname, '..');
const TIGHT_BUDGET = join(ROOT, 'plans', 'tight-budget.yaml');
const DEMO = join(ROOT, 'plans', 'demo.yaml');
/** The demo's traffic at 100 %, recorded per second (test/simulate-live-demo.test.ts records it). */
const DEMO_TRAFFIC = join(ROOT, 'test', 'fixtures', 'demo-traffic.csv');
const FIRST_SECOND = 1_796_017_321;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rollout-simulate-cli-'));
});

async function simulate(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['simulate', ...argv], { stdout: (t) => (stdout += t.endsWith('\n') ? t : `${t}\n`), stderr: (t) => (stderr += t.endsWith('\n') ? t : `${t}\n`) });
  return { code, stdout, stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('rollout simulate', () => {
  it('rolls plans/tight-budget.yaml back at 10 %, before 50 %, against the demo traffic (exit 7), as the live demo does', async () => {
    const out = await simulate('--plan', TIGHT_BUDGET, '--volume', DEMO_TRAFFIC);
    expect(out.code).toBe(7);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^Simulated rollout of route_hll_to_snowplow_phase3: plan .*tight-budget\.yaml, volume .*demo-traffic\.csv\n/);
    expect(out.stdout).toMatch(/\+4 s +ramp +guard clears 50 %: 40 events in 4 s \(10\/s\) → projected over budget: about 4,320,000\/day at 50 %, budget 2,000,000\/day → ROLL BACK\n/);
    expect(out.stdout).toMatch(/Outcome: ROLLS BACK at \+4 s \(.*\), stage ramp, 10 % on production, before 50 % \(cause projected-breach\)/);
  });

  it('completes plans/demo.yaml against the same traffic (exit 0)', async () => {
    const out = await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toMatch(/guard clears 100 %: .* → within budget: about 8,6\d\d,\d{3}\/day at 100 %, budget 10,000,000\/day → on to 100 %/);
    expect(out.stdout).toMatch(/Outcome: completes at \+24 s \(.*\): every step cleared, verified for 12s\.\n$/);
  });

  it('exits 3 when the rollout would hold for a person at volume-review', async () => {
    const hold = file('hold.yaml', 'flag: route_hll_to_snowplow_phase3\nramp: { steps: [10, 50, 100], soak: 4s }\nverification: 12s\nguard: { budgetPerDay: 2000000, interval: 3s, minSample: 10, inconclusiveWait: 6s }\n');
    const out = await simulate('--plan', hold, '--volume', DEMO_TRAFFIC);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain('→ HOLD at volume-review');
    expect(out.stdout).toMatch(/Outcome: HOLDS for a person at gate volume-review at \+4 s .*; without a decision it rolls back at /);
  });

  it('takes --start, --gate-delay and --approve-reviews', async () => {
    const out = await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--start', String(FIRST_SECOND + 10), '--gate-delay', '2s', '--approve-reviews');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('  gates    approved 2 s after they open, volume-review too');
    expect(out.stdout).toMatch(/\+2 s +staging-qa +gate staging-qa approved \(assumed\)/);
    expect(out.stdout).toMatch(new RegExp(`start    ${new Date((FIRST_SECOND + 10) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`));
  });

  it('--report renders it as rollout report does: Markdown by default, JSON, SVG and HTML', async () => {
    const markdown = await simulate('--plan', TIGHT_BUDGET, '--volume', DEMO_TRAFFIC, '--report');
    expect(markdown.code).toBe(7);
    expect(markdown.stdout).toMatch(/^> \*\*Simulated\*\* by `rollout simulate` from plan .* and volume .*: simulated times, no flag changed, gates approved as assumed\.\n\n## Rollout of route\\_hll\\_to\\_snowplow\\_phase3: rolled back\n/);
    expect(markdown.stdout).toContain('**Rolled back** (cause: projected-breach)');
    expect(markdown.stdout).toContain('- **stopped the rollout**:');

    const json = await simulate('--plan', TIGHT_BUDGET, '--volume', DEMO_TRAFFIC, '--report', 'json');
    expect(json.code).toBe(7);
    const report = JSON.parse(json.stdout) as RolloutReport;
    expect(report).toMatchObject({ schema: 'flag-rollout-report/v1', state: 'rolled-back', stage: 'ramp', outcome: { cause: 'projected-breach' } });
    expect(report.guard.stoppedBy).toMatchObject({ verdict: 'projected-over-budget', percentage: 10, nextPercentage: 50 });

    const svg = await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--report', 'svg');
    expect(svg.code).toBe(0);
    expect(XMLValidator.validate(svg.stdout)).toBe(true);
    const html = await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--report', 'html');
    expect(html.stdout).toMatch(/^<!DOCTYPE html>/i);

    expect((await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--report', 'pdf')).code).toBe(2);
  });

  it('refuses bad input with exit 2 and says what is wrong and where', async () => {
    const bad = file('bad.csv', `epochSecond,count\n${FIRST_SECOND},100\n${FIRST_SECOND + 1},-4\n`);
    expect(await simulate('--plan', DEMO, '--volume', bad)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `error: ${bad} line 3: count "-4" is not a whole number of events ≥ 0\n`,
    });
    const json = file('bad.json', `[\n  {"t": ${FIRST_SECOND}, "count": 1},\n  {"t": ${FIRST_SECOND + 1}, "cnt": 1}\n]\n`);
    expect((await simulate('--plan', DEMO, '--volume', json)).stderr).toBe(`error: ${json} line 3 (entry 2): unknown field "cnt"; allowed: "t", "count"\n`);
    expect((await simulate('--plan', DEMO, '--volume', join(dir, 'none.csv'))).stderr).toContain('none.csv: cannot read the volume series: no such file');
    expect((await simulate('--plan', file('bad-plan.yaml', 'flag: x\nramp: { steps: [50, 10] }\n'), '--volume', DEMO_TRAFFIC)).code).toBe(2);
    expect((await simulate('--volume', DEMO_TRAFFIC)).code).toBe(2); // --plan is required

    const outside = await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--start', '2020-01-01T00:00:00Z');
    expect(outside).toMatchObject({ code: 2 });
    expect(outside.stderr).toMatch(/^error: --start 2020-01-01T00:00:00\.000Z is outside the volume series: it covers .* to /);
    expect((await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--start', 'yesterday')).stderr).toContain('expected an ISO 8601 time with a zone');
    expect((await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--gate-delay', 'soon')).stderr).toContain("option '--gate-delay <duration>' argument 'soon' is invalid");
    expect((await simulate('--plan', DEMO, '--volume', DEMO_TRAFFIC, '--actors-share', '120')).stderr).toContain('must be a percentage from 0 to 100');
  });

  it('prints how far it got and exits 2 when the series ends before the rollout; --loop repeats it', async () => {
    const short = file('short.csv', Array.from({ length: 10 }, (_, i) => `${FIRST_SECOND + i},100`).join('\n'));
    const out = await simulate('--plan', DEMO, '--volume', short);
    expect(out.code).toBe(2);
    expect(out.stdout).toMatch(/Outcome: unknown — at \+11 s .*, stage ramp, 100 % on production, the volume series ends at .*; record a longer series or repeat it \(--loop\)\./);
    expect(out.stderr).toMatch(/^error: the volume series ends at .*, before the rollout does/);
    expect((await simulate('--plan', DEMO, '--volume', short, '--loop')).code).toBe(0);
  });
});
