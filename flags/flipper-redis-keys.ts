// The one definition of the flag store's Redis keys: Flipper's Redis adapter layout under a per-environment key_prefix.
import type { Environment } from './environments';
import { InvalidFlagInput } from './invalid-flag-input';

/** The default FLAG_KEY_PREFIX. */
export const DEFAULT_FLAG_KEY_PREFIX = 'flipper';

/** Flipper's name for the set of known features (`Flipper::Adapters::Redis#features_key` without its key_prefix). */
export const FLIPPER_FEATURES_SET = 'flipper_features';

/**
 * The `key_prefix` a Ruby app passes to `Flipper::Adapters::Redis.new(client, key_prefix: …)` to read this
 * environment's flags: `<prefix>:<env>:`, e.g. `flipper:production:`.
 */
export function flipperKeyPrefix(prefix: string, env: Environment): string {
  return `${prefix}:${env}:`;
}

/** `<prefix>:<env>:flipper_features`: the set of flag names present in `env` (Flipper's features_key). */
export function flipperFeaturesKey(prefix: string, env: Environment): string {
  return `${flipperKeyPrefix(prefix, env)}${FLIPPER_FEATURES_SET}`;
}

/** `<prefix>:<env>:<flag>`: the hash of the flag's gates in `env` (Flipper's key_for(feature)). */
export function flipperFeatureKey(prefix: string, env: Environment, flag: string): string {
  return `${flipperKeyPrefix(prefix, env)}${flag}`;
}

/** `<prefix>:change:<changeId>`: the JSON record of the change applied with that id (ours; Flipper has none). */
export function changeRecordKey(prefix: string, changeId: string): string {
  return `${prefix}:change:${changeId}`;
}

/** Before Flipper's layout (until the `rollout flags migrate` command): `<prefix>:<env>:features`, the set of flag names. */
export function legacyFeaturesKey(prefix: string, env: Environment): string {
  return `${prefix}:${env}:features`;
}

/** Before Flipper's layout: `<prefix>:<env>:feature:<flag>`, the hash of the flag's gates. */
export function legacyFeatureKey(prefix: string, env: Environment, flag: string): string {
  return `${prefix}:${env}:feature:${flag}`;
}

/** A flag named `flipper_features` would share its key with the features set, in Flipper's layout as in ours. */
export function validateFlipperFlagName(flag: string): void {
  if (flag === FLIPPER_FEATURES_SET) {
    throw new InvalidFlagInput(
      `Invalid flag name "${FLIPPER_FEATURES_SET}": in Flipper's Redis layout that is the key of the set of flag names, so no flag can use it`,
    );
  }
}

/** Checks a FLAG_KEY_PREFIX-style prefix: non-empty and without a newline. */
export function validateKeyPrefix(prefix: string, where: string): void {
  if (typeof prefix !== 'string' || prefix.length === 0 || /[\r\n]/.test(prefix)) {
    throw new Error(`${where} prefix must be a non-empty string without line breaks, got ${JSON.stringify(prefix)}`);
  }
}
