// The one rule for feature flag names, shared by the flag stores, the rollout plan and the configuration.

/** GitLab feature flag names: lowercase letters, digits and "_", starting with a letter. */
export const FLAG_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

export const FLAG_NAME_MAX_LENGTH = 100;

export const FLAG_NAME_RULE =
  `a flag name is lowercase letters, digits and "_", starts with a letter and is at most ${FLAG_NAME_MAX_LENGTH} ` +
  'characters long, e.g. route_hll_to_snowplow_phase3';

export function isFlagName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= FLAG_NAME_MAX_LENGTH && FLAG_NAME_PATTERN.test(value);
}
