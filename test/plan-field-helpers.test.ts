// Tests for the plan schema's building blocks: duration parsing, typo suggestions and issue paths.
import { durationToMs, isDurationText } from '../plan/duration-text-schema';
import { describePlanValue, formatPlanPath } from '../plan/format-plan-issues';
import { closestField } from '../plan/strict-section-schema';

describe('durationToMs', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['-5m', -300_000],
  ])('reads %s', (text, millis) => {
    expect(durationToMs(text)).toBe(millis);
    expect(isDurationText(text)).toBe(true);
  });

  it.each(['', '15', 'fifteen minutes', ' 15m', '15 parsecs', '1e3s'])('rejects %j', (text) => {
    expect(durationToMs(text)).toBeUndefined();
    expect(isDurationText(text)).toBe(false);
  });
});

describe('closestField', () => {
  const fields = ['flag', 'requester', 'approvers', 'environments', 'production', 'ramp', 'verification', 'guard', 'approvalTimeout', 'readiness'];

  it.each([
    ['rmp', 'ramp'],
    ['approver', 'approvers'],
    ['approval_timeout', 'approvalTimeout'],
    ['Verificaton', 'verification'],
    ['enviroments', 'environments'],
  ])('suggests a field for %s', (key, field) => {
    expect(closestField(key, fields)).toBe(field);
  });

  it('suggests nothing for an unrelated key', () => {
    expect(closestField('owner', fields)).toBeUndefined();
    expect(closestField('x', ['y'])).toBeUndefined();
  });
});

describe('formatPlanPath and describePlanValue', () => {
  it('writes paths as a reader would', () => {
    expect(formatPlanPath([])).toBe('plan');
    expect(formatPlanPath(['ramp', 'steps', 2])).toBe('plan.ramp.steps[2]');
    expect(formatPlanPath(['odd key', 'staging-ref'])).toBe('plan["odd key"]["staging-ref"]');
  });

  it('quotes strings and shortens long values', () => {
    expect(describePlanValue('15')).toBe('"15"');
    expect(describePlanValue(15)).toBe('15');
    expect(describePlanValue(-Infinity)).toBe('-Infinity');
    expect(describePlanValue(null)).toBe('null');
    expect(describePlanValue({ a: [1] })).toBe('{"a":[1]}');
    expect(describePlanValue('x'.repeat(200))).toHaveLength(80);
  });
});
