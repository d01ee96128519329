// Usernames in a plan: GitLab's characters, at most 255 of them, compared without regard to case.
import { USERNAME_MAX_LENGTH, USERNAME_RULE, isUsername, sameUsername, usernameSchema } from '../plan/username';

describe('isUsername and usernameSchema', () => {
  it.each(['alice', 'mikolaj_wawrzyniak', 'A.b_c-9', '_bot', '9lives', 'a'.repeat(USERNAME_MAX_LENGTH)])('accept %j', (name) => {
    expect(isUsername(name)).toBe(true);
    expect(usernameSchema.parse(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['.alice', 'a leading "."'],
    ['-alice', 'a leading "-"'],
    ['mikolaj w', 'a space'],
    ['alice/bob', 'a "/"'],
    ['a'.repeat(USERNAME_MAX_LENGTH + 1), 'over 255 characters'],
  ])('reject %j (%s) with the rule', (name) => {
    expect(isUsername(name)).toBe(false);
    const result = usernameSchema.safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([USERNAME_RULE]);
  });

  it('reject values that are not strings', () => {
    for (const value of [undefined, null, 42, ['alice']]) {
      expect(isUsername(value)).toBe(false);
      expect(usernameSchema.safeParse(value).error?.issues.map((issue) => issue.message)).toEqual([USERNAME_RULE]);
    }
  });

  it('the rule names the characters and the length limit', () => {
    expect(USERNAME_RULE).toMatch(/^must be a GitLab username: letters, digits, "_", "." and "-", not starting with "." or "-"/);
    expect(USERNAME_RULE).toContain('at most 255 characters');
  });
});

describe('sameUsername', () => {
  it('is case-insensitive, as GitLab usernames are', () => {
    expect(sameUsername('Alice', 'alice')).toBe(true);
    expect(sameUsername('MIKOLAJ_wawrzyniak', 'mikolaj_WAWRZYNIAK')).toBe(true);
    expect(sameUsername('alice', 'alice')).toBe(true);
  });

  it('tells different people apart', () => {
    expect(sameUsername('alice', 'bob')).toBe(false);
    expect(sameUsername('alice', 'alice2')).toBe(false);
    expect(sameUsername('alice.b', 'alice_b')).toBe(false);
  });
});
