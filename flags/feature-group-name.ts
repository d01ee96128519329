// The one rule for Flipper feature group names (the `groups/<name>` gate), e.g. GitLab's `gitlab_team_members`.
import { InvalidFlagInput } from './invalid-flag-input';

/** Flipper registers groups by symbol; GitLab's are lowercase snake_case, e.g. `gitlab_team_members`. */
export const FEATURE_GROUP_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

export const FEATURE_GROUP_NAME_MAX_LENGTH = 100;

export const FEATURE_GROUP_NAME_RULE =
  'a feature group name is lowercase letters, digits and "_", starts with a letter and is at most ' +
  `${FEATURE_GROUP_NAME_MAX_LENGTH} characters long, e.g. gitlab_team_members`;

export function isFeatureGroupName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= FEATURE_GROUP_NAME_MAX_LENGTH && FEATURE_GROUP_NAME_PATTERN.test(value);
}

/** Throws InvalidFlagInput naming the bad value and the rule. */
export function validateFeatureGroupName(value: unknown): asserts value is string {
  if (!isFeatureGroupName(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new InvalidFlagInput(`Invalid feature group ${shown}: ${FEATURE_GROUP_NAME_RULE}`);
  }
}
