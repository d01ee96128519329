// Flag names: lowercase letters, digits and "_", starting with a letter, at most 100 characters — one rule everywhere.
import { FLAG_NAME_MAX_LENGTH, FLAG_NAME_RULE, isFlagName } from '../flags/flag-name';

describe('isFlagName', () => {
  it.each(['route_hll_to_snowplow_phase3', 'a', 'a1', 'x_', 'a'.repeat(FLAG_NAME_MAX_LENGTH)])('accepts %j', (name) => {
    expect(isFlagName(name)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['Route_hll', 'a capital'],
    ['route.hll', 'a dot'],
    ['route-hll', 'a dash'],
    ['my flag', 'a space'],
    ['1_flag', 'a leading digit'],
    ['_flag', 'a leading "_"'],
    ['a'.repeat(FLAG_NAME_MAX_LENGTH + 1), 'over 100 characters'],
  ])('rejects %j (%s)', (name) => {
    expect(isFlagName(name)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 42, ['a_flag'], { flag: 'a_flag' }]) expect(isFlagName(value)).toBe(false);
  });
});

describe('FLAG_NAME_RULE', () => {
  it('states the characters, the first letter, the length limit and an example', () => {
    expect(FLAG_NAME_RULE).toBe(
      'a flag name is lowercase letters, digits and "_", starts with a letter and is at most 100 characters long, ' +
        'e.g. route_hll_to_snowplow_phase3',
    );
    expect(isFlagName(/e\.g\. (\w+)$/.exec(FLAG_NAME_RULE)?.[1])).toBe(true);
  });
});
