// The one rule for GitLab usernames in a plan (requester, approvers, production users) and how two are compared.
import { z } from 'zod';

export const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const USERNAME_MAX_LENGTH = 255;

export const USERNAME_RULE =
  'must be a GitLab username: letters, digits, "_", "." and "-", not starting with "." or "-", ' +
  `at most ${USERNAME_MAX_LENGTH} characters`;

export const usernameSchema = z
  .string({ error: USERNAME_RULE })
  .max(USERNAME_MAX_LENGTH, USERNAME_RULE)
  .regex(USERNAME_PATTERN, USERNAME_RULE);

export function isUsername(value: unknown): value is string {
  return typeof value === 'string' && value.length <= USERNAME_MAX_LENGTH && USERNAME_PATTERN.test(value);
}

/** GitLab usernames are case-insensitive: `Alice` and `alice` are the same person. */
export function sameUsername(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
