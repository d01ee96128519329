// CLI argument rules: durations need a unit and must be longer than zero; actor names follow the actor-id rule.
import { InvalidArgumentError } from 'commander';
import { duration } from '../client/cli-arguments';
import { UsageError } from '../client/cli-errors';
import { featureSetChange } from '../client/feature-set-arguments';

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

describe('featureSetChange actors', () => {
  it('builds actor ids from --project, --group and --user, in that order', () => {
    expect(featureSetChange('true', { user: 'alice', group: 'gitlab-org, gitlab-com', project: 'gitlab-org/gitlab' })).toEqual({
      kind: 'actors',
      actors: ['project:gitlab-org/gitlab', 'group:gitlab-org', 'group:gitlab-com', 'user:alice'],
    });
    expect(featureSetChange('false', { user: 'alice' })).toEqual({ kind: 'remove-actors', actors: ['user:alice'] });
  });

  it.each([
    [{ project: 'gitlab' }, /^Invalid actor id "project:gitlab": a project name must be a path with at least one "\/"/],
    [{ group: 'gitlab org' }, /^Invalid actor id "group:gitlab org": a group name must be/],
    [{ user: 'alice/bob' }, /^Invalid actor id "user:alice\/bob": a user name must be a single name without "\/"/],
  ])('rejects a bad name in %j as a usage error with the actor-id message', (options, message) => {
    expect(() => featureSetChange('true', options)).toThrow(UsageError);
    expect(() => featureSetChange('true', options)).toThrow(message);
  });
});
