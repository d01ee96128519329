// Tests for parsePlan's command-line overrides (--requested-by and the flag named by the command) and defaultPlan.
import { defaultPlan, parsePlan } from '../plan/parse-plan';
import { PlanValidationError } from '../plan/plan-validation-error';
import { rolloutPlanSchema } from '../plan/rollout-plan-schema';
import { rejection } from './support/plan-rejection';

const FLAG = 'route_hll_to_snowplow_phase3';

describe('parsePlan overrides', () => {
  it('uses requestedBy as the requester', () => {
    expect(parsePlan({ flag: FLAG, requester: 'someone_else' }, { requestedBy: 'carol' }).requester).toBe('carol');
  });

  it('rejects a requestedBy who is also an approver, before the plan is used', () => {
    const error = rejection(() => parsePlan({ flag: FLAG, approvers: ['alice', 'carol'] }, { requestedBy: 'Carol' }));
    expect(error.issues).toEqual([
      'plan.approvers[1]: got "carol"; the requester (Carol) cannot approve their own rollout; approvers must be other people',
    ]);
  });

  it('checks requestedBy against the default approvers too', () => {
    const error = rejection(() => parsePlan({ flag: FLAG }, { requestedBy: 'bob' }));
    expect(error.issues).toEqual([expect.stringMatching(/^plan\.approvers\[1\]: got "bob" \(the default\); the requester \(bob\)/)]);
  });

  it('says when an invalid requester came from --requested-by', () => {
    const error = rejection(() => parsePlan({ flag: FLAG }, { requestedBy: 'not a name' }));
    expect(error.issues).toEqual([expect.stringMatching(/^plan\.requester: got "not a name" \(from --requested-by\); must be a GitLab username/)]);
  });

  it('rejects a plan for a different flag than the command named', () => {
    const error = rejection(() => parsePlan({ flag: FLAG }, { flag: 'other_flag' }, 'plans/demo.yaml'));
    expect(error.issues).toEqual([
      `plan.flag: got "${FLAG}"; the plan is for "${FLAG}" but the command named "other_flag"`,
    ]);
    expect(error.message).toMatch(/^plans\/demo\.yaml: invalid rollout plan/);
  });

  it('reports a flag mismatch together with the other problems', () => {
    const error = rejection(() => parsePlan({ flag: FLAG, verification: 'soon' }, { flag: 'other_flag' }));
    expect(error.issues).toEqual([
      expect.stringMatching(/^plan\.flag: .*the command named "other_flag"$/),
      expect.stringMatching(/^plan\.verification: got "soon"/),
    ]);
  });

  it('accepts a command flag equal to the plan flag', () => {
    expect(parsePlan({ flag: FLAG }, { flag: FLAG }).flag).toBe(FLAG);
  });

  it('takes the flag from the command when the plan names none', () => {
    expect(parsePlan({ ramp: { steps: [100] } }, { flag: 'other_flag' })).toMatchObject({ flag: 'other_flag', ramp: { steps: [100] } });
  });

  it('validates a flag taken from the command', () => {
    const error = rejection(() => parsePlan({}, { flag: 'Other-Flag' }));
    expect(error.issues).toEqual([expect.stringMatching(/^plan\.flag: got "Other-Flag" \(named by the command\); must be a GitLab feature flag name/)]);
  });

  it('treats an empty plan (null, as from an empty YAML file) as all defaults', () => {
    expect(parsePlan(null, { flag: FLAG })).toEqual(defaultPlan(FLAG));
    expect(rejection(() => parsePlan(null)).issues).toEqual([expect.stringMatching(/^plan\.flag: missing/)]);
  });

  it('does not modify the raw plan it is given', () => {
    const raw = { flag: FLAG };
    parsePlan(raw, { requestedBy: 'carol' });
    expect(raw).toEqual({ flag: FLAG });
  });
});

describe('defaultPlan', () => {
  it('is the schema output for the flag alone', () => {
    expect(defaultPlan(FLAG)).toEqual(rolloutPlanSchema.parse({ flag: FLAG }));
  });

  it('rejects an invalid flag name', () => {
    expect(() => defaultPlan('Not A Flag')).toThrow(PlanValidationError);
  });
});
