// Tests for the rollout plan schema: defaults, partial sections, and a clear message for each kind of bad plan.
import { NON_PRODUCTION_ENVIRONMENTS } from '../flags/environments';
import { parsePlan } from '../plan/parse-plan';
import { PlanValidationError } from '../plan/plan-validation-error';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import type { RolloutPlan } from '../plan/rollout-plan';
import { PLAN_ENVIRONMENTS, rolloutPlanSchema, type RolloutPlanInput } from '../plan/rollout-plan-schema';

const FLAG = 'route_hll_to_snowplow_phase3';

const DEFAULTS: RolloutPlan = {
  flag: FLAG,
  requester: 'mikolaj_wawrzyniak',
  approvers: ['alice', 'bob'],
  operators: [],
  environments: ['dev', 'staging', 'staging-ref'],
  production: {
    actors: {
      project: ['gitlab-org/gitlab', 'gitlab-org/gitlab-foss', 'gitlab-com/www-gitlab-com'],
      group: ['gitlab-org', 'gitlab-com'],
      user: [],
    },
  },
  ramp: { type: 'actors', steps: [1, 10, 25, 50, 75, 100], soak: '15m' },
  verification: '24h',
  guard: { budgetPerDay: 10000000, interval: '15m', minSample: 1000, inconclusiveWait: '1h', onProjectedBreach: 'hold' },
  approvalTimeout: '7d',
  outageTolerance: '10m',
  readiness: ['milestone', 'change-management', 'oncall-2h', 'docs', 'announcement', 'breaking-changes', 'support-notified'],
  signing: { mode: 'required', keys: {} },
  gates: {},
};

/** The issues parsePlan reports for `raw`, checking they are also in the message. */
function issuesFor(raw: unknown): string[] {
  try {
    parsePlan(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanValidationError);
    const { issues, message } = error as PlanValidationError;
    for (const issue of issues) expect(message).toContain(issue);
    return issues;
  }
  throw new Error('expected the plan to be rejected');
}

describe('rolloutPlanSchema defaults', () => {
  it('fills every field from the flag alone', () => {
    expect(rolloutPlanSchema.parse({ flag: FLAG })).toEqual(DEFAULTS);
    expect(parsePlan({ flag: FLAG })).toEqual(DEFAULTS);
  });

  it('uses every readiness item and exactly the non-production environments by default', () => {
    expect(DEFAULTS.readiness).toEqual(READINESS_ITEM_IDS);
    expect([...PLAN_ENVIRONMENTS]).toEqual([...NON_PRODUCTION_ENVIRONMENTS]);
  });

  it('gives each plan its own default lists, so changing one plan cannot change the next', () => {
    const first = parsePlan({ flag: FLAG });
    first.approvers.push('carol');
    first.production.actors.user.push('dave');
    first.ramp.steps.push(200);
    first.readiness.pop();
    expect(parsePlan({ flag: FLAG })).toEqual(DEFAULTS);
  });

  it('fills the missing fields of partially given sections', () => {
    const input: RolloutPlanInput = {
      flag: FLAG,
      production: { actors: { user: ['carol'] } },
      ramp: { steps: [50, 100] },
      guard: { budgetPerDay: 500 },
    };
    expect(parsePlan(input)).toEqual({
      ...DEFAULTS,
      production: { actors: { ...DEFAULTS.production.actors, user: ['carol'] } },
      ramp: { ...DEFAULTS.ramp, steps: [50, 100] },
      guard: { ...DEFAULTS.guard, budgetPerDay: 500 },
    });
    expect(parsePlan({ flag: FLAG, production: {}, ramp: { type: 'random' } })).toEqual({
      ...DEFAULTS,
      ramp: { ...DEFAULTS.ramp, type: 'random' },
    });
  });

  it('accepts the edges of each range', () => {
    const plan = parsePlan({
      flag: 'a'.repeat(100),
      requester: 'Carol.Smith-2',
      approvers: ['_bot'],
      environments: ['staging-ref'],
      production: { actors: { project: ['a/b/c.d'], group: ['a/b'], user: [] } },
      ramp: { steps: [0.5, 100], soak: '0s' },
      verification: '1s',
      guard: { budgetPerDay: 1, interval: '1s', inconclusiveWait: '365d' },
      approvalTimeout: '365d',
      outageTolerance: '1ms',
      readiness: [],
    });
    expect(plan.ramp).toEqual({ type: 'actors', steps: [0.5, 100], soak: '0s' });
    expect(parsePlan({ flag: FLAG, ramp: { steps: Array.from({ length: 100 }, (_, i) => i + 1) } }).ramp.steps).toHaveLength(100);
    expect(plan.readiness).toEqual([]);
  });
});

describe('rolloutPlanSchema rejects bad plans, naming the field, the value and what is allowed', () => {
  const plan = (fields: Record<string, unknown>) => ({ flag: FLAG, ...fields });

  it.each<[string, unknown, string, string[]]>([
    ['no flag', {}, 'plan.flag: missing', ['a feature flag name is required']],
    ['a flag with capitals', { flag: 'Route_HLL' }, 'plan.flag: got "Route_HLL"', ['lowercase letters, digits and "_"']],
    ['a flag starting with a digit', { flag: '1_flag' }, 'plan.flag: got "1_flag"', ['starting with a letter']],
    ['a flag over 100 characters', { flag: 'a'.repeat(101) }, 'plan.flag: got "aaa', ['at most 100 characters']],
    ['a misspelt top-level field', plan({ rmp: { steps: [100] } }), 'plan.rmp: unknown field "rmp"', ['did you mean "ramp"?', 'allowed fields are flag, requester']],
    ['a misspelt nested field', plan({ guard: { budget_per_day: 5 } }), 'plan.guard.budget_per_day: unknown field', ['did you mean "budgetPerDay"?', 'allowed fields are budgetPerDay, interval, minSample, inconclusiveWait, onProjectedBreach']],
    ['an unknown actor kind', plan({ production: { actors: { users: ['carol'] } } }), 'plan.production.actors.users: unknown field', ['did you mean "user"?', 'allowed fields are project, group, user']],
    ['a requester with a space', plan({ requester: 'mikolaj w' }), 'plan.requester: got "mikolaj w"', ['must be a GitLab username']],
    ['a requester over 255 characters', plan({ requester: 'a'.repeat(256) }), 'plan.requester: got "aaa', ['must be a GitLab username', 'at most 255 characters']],
    ['no approvers', plan({ approvers: [] }), 'plan.approvers: got []', ['at least one approver is required']],
    ['a single approver as a string', plan({ approvers: 'alice' }), 'plan.approvers: got "alice"', ['must be a list of approvers']],
    ['a repeated approver (ignoring case)', plan({ approvers: ['alice', 'Alice'] }), 'plan.approvers[1]: got "Alice"', ['may appear only once', 'already at [0]']],
    ['the requester as an approver', plan({ requester: 'carol', approvers: ['alice', 'carol'] }), 'plan.approvers[1]: got "carol"', ['the requester (carol) cannot approve']],
    ['the requester as an approver in other case', plan({ requester: 'carol', approvers: ['alice', 'Carol'] }), 'plan.approvers[1]: got "Carol"', ['the requester (carol) cannot approve']],
    ['production as an environment', plan({ environments: ['dev', 'production'] }), 'plan.environments[1]: got "production"', ['production is not allowed here', '`production` section']],
    ['an unknown environment', plan({ environments: ['prod'] }), 'plan.environments[0]: got "prod"', ['must be one of dev, staging, staging-ref']],
    ['a repeated environment', plan({ environments: ['dev', 'dev'] }), 'plan.environments[1]: got "dev"', ['may appear only once']],
    ['no environments', plan({ environments: [] }), 'plan.environments: got []', ['at least one environment is required']],
    ['a project without a namespace', plan({ production: { actors: { project: ['gitlab'] } } }), 'plan.production.actors.project[0]: got "gitlab"', ['project path with a namespace']],
    ['a group with a space', plan({ production: { actors: { group: ['gitlab org'] } } }), 'plan.production.actors.group[0]: got "gitlab org"', ['must be a group path']],
    ['a repeated group', plan({ production: { actors: { group: ['gitlab-org', 'GitLab-Org'] } } }), 'plan.production.actors.group[1]: got "GitLab-Org"', ['may appear only once']],
    ['an empty YAML list entry (null)', plan({ production: { actors: { user: null } } }), 'plan.production.actors.user: got null', ['must be a list of usernames']],
    ['an unknown ramp type', plan({ ramp: { type: 'percentage' } }), 'plan.ramp.type: got "percentage"', ['"actors" (percentage of actors) or "random" (percentage of time)']],
    ['no ramp steps', plan({ ramp: { steps: [] } }), 'plan.ramp.steps: got []', ['at least one step is required']],
    ['a step that does not increase', plan({ ramp: { steps: [1, 10, 5, 100] } }), 'plan.ramp.steps[2]: got 5', ['each step must be greater than the one before (10)']],
    ['a repeated step', plan({ ramp: { steps: [10, 10] } }), 'plan.ramp.steps[1]: got 10', ['greater than the one before (10)']],
    ['a step of zero', plan({ ramp: { steps: [0, 100] } }), 'plan.ramp.steps[0]: got 0', ['greater than 0 and at most 100']],
    ['a step over 100', plan({ ramp: { steps: [50, 150] } }), 'plan.ramp.steps[1]: got 150', ['greater than 0 and at most 100']],
    ['an infinite step', plan({ ramp: { steps: [Infinity] } }), 'plan.ramp.steps[0]: got Infinity', ['greater than 0 and at most 100']],
    ['a step as a string', plan({ ramp: { steps: ['50%'] } }), 'plan.ramp.steps[0]: got "50%"', ['a percentage']],
    ['a soak as a bare number', plan({ ramp: { soak: 15 } }), 'plan.ramp.soak: got 15', ['bare number has no unit', 'durations are strings like "15m", "24h", "7d"']],
    ['a negative soak', plan({ ramp: { soak: '-5m' } }), 'plan.ramp.soak: got "-5m"', ['must not be negative']],
    ['a soak without a unit', plan({ ramp: { soak: '15' } }), 'plan.ramp.soak: got "15"', ['not a duration', '"15m"']],
    ['an unreadable verification', plan({ verification: 'a day' }), 'plan.verification: got "a day"', ['not a duration', '"24h"']],
    ['a zero verification', plan({ verification: '0s' }), 'plan.verification: got "0s"', ['must be longer than zero']],
    ['a zero approval timeout', plan({ approvalTimeout: '0d' }), 'plan.approvalTimeout: got "0d"', ['must be longer than zero']],
    ['an approval timeout as a number', plan({ approvalTimeout: 7 }), 'plan.approvalTimeout: got 7', ['durations are strings like']],
    ['a guard interval longer than verification', plan({ verification: '1h', guard: { interval: '2h' } }), 'plan.guard.interval: got "2h"', ['must not be longer than verification ("1h")']],
    ['a guard interval under a second', plan({ guard: { interval: '500ms' } }), 'plan.guard.interval: got "500ms"', ['must be at least 1s']],
    ['an approval timeout beyond a Date', plan({ approvalTimeout: '99999999999999d' }), 'plan.approvalTimeout: got "99999999999999d"', ['must be at most 365d']],
    ['an inconclusive wait over a year', plan({ guard: { inconclusiveWait: '366d' } }), 'plan.guard.inconclusiveWait: got "366d"', ['must be at most 365d']],
    ['a verification over a year', plan({ verification: '53w' }), 'plan.verification: got "53w"', ['must be at most 365d']],
    ['more than 100 ramp steps', plan({ ramp: { steps: Array.from({ length: 101 }, (_, i) => (i + 1) * 0.5) } }), 'plan.ramp.steps: got [0.5', ['at most 100 steps']],
    ['a zero outage tolerance', plan({ outageTolerance: '0s' }), 'plan.outageTolerance: got "0s"', ['must be longer than zero']],
    ['an operator with a space', plan({ operators: ['oncall sre'] }), 'plan.operators[0]: got "oncall sre"', ['must be a GitLab username']],
    ['a repeated operator', plan({ operators: ['sre', 'SRE'] }), 'plan.operators[1]: got "SRE"', ['may appear only once']],
    ['a default guard interval longer than verification', plan({ verification: '10s' }), 'plan.guard.interval: got "15m" (the default)', ['must not be longer than verification ("10s")']],
    ['a negative minimum sample', plan({ guard: { minSample: -1 } }), 'plan.guard.minSample: got -1', ['whole number ≥ 0']],
    ['an unknown breach policy', plan({ guard: { onProjectedBreach: 'ignore' } }), 'plan.guard.onProjectedBreach: got "ignore"', ['"hold"', '"rollback"']],
    ['an inconclusive wait without a unit', plan({ guard: { inconclusiveWait: '30' } }), 'plan.guard.inconclusiveWait: got "30"', ['durations are strings like']],
    ['a fractional budget', plan({ guard: { budgetPerDay: 1.5 } }), 'plan.guard.budgetPerDay: got 1.5', ['positive whole number']],
    ['a zero budget', plan({ guard: { budgetPerDay: 0 } }), 'plan.guard.budgetPerDay: got 0', ['positive whole number']],
    ['a budget as a string', plan({ guard: { budgetPerDay: '10_000_000' } }), 'plan.guard.budgetPerDay: got "10_000_000"', ['positive whole number']],
    ['an unknown readiness item', plan({ readiness: ['milestone', 'qa'] }), 'plan.readiness[1]: got "qa"', ['one of milestone, change-management']],
    ['a repeated readiness item', plan({ readiness: ['docs', 'docs'] }), 'plan.readiness[1]: got "docs"', ['may appear only once']],
    ['a section given as a list', plan({ guard: [1] }), 'plan.guard: got [1]', ['must be a mapping with the fields budgetPerDay, interval, minSample, inconclusiveWait, onProjectedBreach']],
    ['a plan that is a list', ['flag'], 'plan: got ["flag"]', ['must be a mapping with the fields flag']],
  ])('%s', (_name, raw, prefix, allowed) => {
    const issues = issuesFor(raw);
    const issue = issues.find((line) => line.startsWith(prefix));
    if (issue === undefined) throw new Error(`no issue starts with ${prefix}; the issues were:\n${issues.join('\n')}`);
    for (const text of allowed) expect(issue).toContain(text);
  });

  it('reports every problem in one pass, including cross-field ones next to type errors', () => {
    const issues = issuesFor({
      flag: 'Bad',
      requester: 'alice',
      ramp: { steps: [10, 'x', 5], soak: 5 },
      verification: '1m',
      guard: { interval: '1h' },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^plan\.flag: got "Bad"/),
        expect.stringMatching(/^plan\.ramp\.steps\[1\]: got "x"/),
        expect.stringMatching(/^plan\.ramp\.steps\[2\]: got 5; each step must be greater than the one before \(10\)/),
        expect.stringMatching(/^plan\.ramp\.soak: got 5/),
        expect.stringMatching(/^plan\.approvers\[0\]: got "alice" \(the default\); the requester/),
        expect.stringMatching(/^plan\.guard\.interval: got "1h"/),
      ]),
    );
    expect(issues).toHaveLength(6);
  });

  it('prefixes the message with the source and lists one issue per line', () => {
    expect(() => parsePlan({ flag: FLAG, ramp: { steps: [1, 10, 5] } })).toThrow(
      'plan: invalid rollout plan (1 problem):\n  plan.ramp.steps[2]: got 5; each step must be greater than the one before (10)',
    );
    try {
      parsePlan({ flag: FLAG, verification: 'x', approvalTimeout: 'y' }, {}, 'plans/x.yaml');
    } catch (error) {
      const { name, message, source, issues } = error as PlanValidationError;
      expect({ name, source }).toEqual({ name: 'PlanValidationError', source: 'plans/x.yaml' });
      expect(message.split('\n')).toEqual(['plans/x.yaml: invalid rollout plan (2 problems):', ...issues.map((issue) => `  ${issue}`)]);
    }
    expect.assertions(3);
  });
});
