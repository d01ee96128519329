// CLI argument rules: durations need a unit and must be longer than zero (feature set's are in feature-set-arguments.test.ts).
import { InvalidArgumentError } from 'commander';
import { duration } from '../client/cli-arguments';

describe('duration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
  ])('reads %j as %d ms', (text, millis) => {
    expect(duration(text)).toBe(millis);
  });

  it.each(['30', '0s', '-5m', 'soon', ''])('rejects %j: a duration needs a unit and must be > 0', (text) => {
    expect(() => duration(text)).toThrow(InvalidArgumentError);
    expect(() => duration(text)).toThrow('must be a duration with a unit, e.g. 30s, 5m');
  });
});
