// Who a manual flag change is recorded as: --by, else $ROLLOUT_USER, else $USER; always a GitLab username.
import { userInfo } from 'node:os';
import { UsageError } from '../client/cli-errors';
import { changeAuthor } from '../client/feature-change-author';

describe('changeAuthor', () => {
  it('takes --by first, then $ROLLOUT_USER, then $USER, then the login name', () => {
    expect(changeAuthor('alice', { ROLLOUT_USER: 'bob', USER: 'carol' })).toBe('alice');
    expect(changeAuthor(undefined, { ROLLOUT_USER: 'bob', USER: 'carol' })).toBe('bob');
    expect(changeAuthor(undefined, { ROLLOUT_USER: '', USER: 'carol' })).toBe('carol');
    expect(changeAuthor(undefined, {})).toBe(userInfo().username);
  });

  it('refuses a name that is not a GitLab username, naming where it came from', () => {
    expect(() => changeAuthor('two words', {})).toThrow(UsageError);
    expect(() => changeAuthor('two words', {})).toThrow(/^--by "two words" must be a GitLab username/);
    expect(() => changeAuthor(undefined, { ROLLOUT_USER: '-x' })).toThrow(/^\$ROLLOUT_USER "-x" must be a GitLab username: .*; give --by <user>$/);
  });
});
