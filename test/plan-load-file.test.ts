// Tests for loadPlanFile: the example plans in plans/, JSON plans, and file or YAML syntax problems named by file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlanFile } from '../plan/load-plan-file';
import { defaultPlan } from '../plan/parse-plan';
import { rejection } from './support/plan-rejection';

const FLAG = 'route_hll_to_snowplow_phase3';
const PLANS = join(__dirname, '..', 'plans');

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'plan-load-file-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writePlan(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('the example plans', () => {
  it('plans/default.yaml spells out exactly the defaults', () => {
    expect(loadPlanFile(join(PLANS, 'default.yaml'))).toEqual(defaultPlan(FLAG));
  });

  it('plans/demo.yaml compresses the timings', () => {
    expect(loadPlanFile(join(PLANS, 'demo.yaml'))).toEqual({
      ...defaultPlan(FLAG),
      ramp: { type: 'actors', steps: [10, 50, 100], soak: '4s' },
      verification: '12s',
      guard: { budgetPerDay: 10000000, interval: '3s', minSample: 10, inconclusiveWait: '6s', onProjectedBreach: 'hold' },
      approvalTimeout: '10m',
    });
  });

  it('plans/tight-budget.yaml is the demo with a 2 million budget that rolls back on a projected breach', () => {
    const demo = loadPlanFile(join(PLANS, 'demo.yaml'));
    expect(loadPlanFile(join(PLANS, 'tight-budget.yaml'))).toEqual({
      ...demo,
      guard: { ...demo.guard, budgetPerDay: 2_000_000, onProjectedBreach: 'rollback' },
    });
  });

  it('applies overrides to a file plan', () => {
    expect(loadPlanFile(join(PLANS, 'demo.yaml'), { requestedBy: 'carol', flag: FLAG }).requester).toBe('carol');
    const error = rejection(() => loadPlanFile(join(PLANS, 'demo.yaml'), { flag: 'other_flag' }));
    expect(error.message).toContain(`the plan is for "${FLAG}" but the command named "other_flag"`);
  });
});

describe('loadPlanFile', () => {
  it('reads JSON plans', () => {
    const path = writePlan('plan.json', JSON.stringify({ flag: FLAG, ramp: { steps: [100] } }));
    expect(loadPlanFile(path).ramp.steps).toEqual([100]);
  });

  it('takes the flag from the command for an empty file', () => {
    expect(loadPlanFile(writePlan('empty.yaml', '# nothing yet\n'), { flag: FLAG })).toEqual(defaultPlan(FLAG));
  });

  it('names the file in validation errors', () => {
    const path = writePlan('bad.yaml', `flag: ${FLAG}\nramp:\n  steps: [1, 10, 5]\n`);
    const error = rejection(() => loadPlanFile(path));
    expect(error.source).toBe(path);
    expect(error.message).toBe(
      `${path}: invalid rollout plan (1 problem):\n  plan.ramp.steps[2]: got 5; each step must be greater than the one before (10)`,
    );
  });

  it('reports a missing file', () => {
    const path = join(directory, 'missing.yaml');
    const error = rejection(() => loadPlanFile(path));
    expect(error.issues).toEqual(['cannot read the plan file: no such file']);
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid rollout plan`));
  });

  it('reports a directory given as the plan', () => {
    expect(rejection(() => loadPlanFile(directory)).issues).toEqual(['cannot read the plan file: it is a directory']);
  });

  it('reports a YAML syntax error with its line number', () => {
    const path = writePlan('syntax.yaml', `flag: ${FLAG}\nramp:\n  steps: [1, 10\nverification: 24h\n`);
    const error = rejection(() => loadPlanFile(path));
    expect(error.issues).toEqual([expect.stringMatching(/^line 4, column 1: YAML syntax error: /)]);
    expect(error.message).toContain(`${path}: invalid rollout plan`);
  });

  it('reports a repeated key as a YAML error rather than keeping the last value', () => {
    const path = writePlan('duplicate.yaml', `flag: ${FLAG}\nverification: 24h\nverification: 1h\n`);
    expect(rejection(() => loadPlanFile(path)).issues).toEqual([
      expect.stringMatching(/^line 3, column 1: YAML syntax error: Map keys must be unique$/),
    ]);
  });
});
