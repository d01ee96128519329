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

/** The FLAG_KEY_PREFIX rule, in words. */
export const FLAG_KEY_PREFIX_RULE = 'letters, digits and _ : . - only, with at most one Redis Cluster hash tag in braces such as {flipper}';

// At most one `{tag}`: Redis Cluster then places every key of the prefix by the tag alone, so all share one slot.
const FLAG_KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]*(\{[A-Za-z0-9_:.-]+\})?[A-Za-z0-9_:.-]*$/;

/** The FLAG_KEY_PREFIX rule: non-empty, FLAG_KEY_PREFIX_RULE's characters, at most one non-empty hash tag. */
export function isFlagKeyPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && prefix.length > 0 && FLAG_KEY_PREFIX_PATTERN.test(prefix);
}

/** The Redis Cluster hash tag of keys that start with `prefix` (`flipper` in `{flipper}:production:`), or null without one. */
export function keyHashTag(prefix: string): string | null {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

/** Checks a FLAG_KEY_PREFIX-style prefix against the rule. */
export function validateKeyPrefix(prefix: string, where: string): void {
  if (!isFlagKeyPrefix(prefix)) throw new Error(`${where} prefix must be a non-empty string of ${FLAG_KEY_PREFIX_RULE}, got ${JSON.stringify(prefix)}`);
}

/**
 * On Redis Cluster every multi-key script and MULTI of the flag store must touch one slot: the prefix must hold a hash
 * tag, e.g. `{flipper}` (a Ruby app then reads with `key_prefix: '{flipper}:production:'`).
 */
export function validateKeyPrefixForCluster(prefix: string, where: string): void {
  if (keyHashTag(prefix) !== null) return;
  const suggestion = `{${prefix.replace(/[{}]/g, '')}}`;
  throw new Error(
    `${where} runs on Redis Cluster, where FLAG_KEY_PREFIX must hold a hash tag so a flag's keys share one slot; got ${JSON.stringify(prefix)}: ` +
      `set FLAG_KEY_PREFIX=${suggestion} (Ruby's Flipper then reads key_prefix "${suggestion}:<env>:")`,
  );
}
