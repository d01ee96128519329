// Moves flags from the store's first Redis layout (`<prefix>:<env>:features`, `<prefix>:<env>:feature:<flag>`) to Flipper's.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client';
import { ENVIRONMENTS, type Environment } from './environments';
import type { FlagGates } from './flag-gates';
import { isFlagName } from './flag-name';
import { gatesFromHashFields, hashFieldsToObject } from './flipper-hash-fields';
import {
  FLIPPER_FEATURES_SET,
  flipperFeatureKey,
  flipperFeaturesKey,
  legacyFeatureKey,
  legacyFeaturesKey,
  validateKeyPrefix,
} from './flipper-redis-keys';
import { flagChangeMessage, flagChangesChannel } from './redis-flag-store';

/**
 * What happened to one flag. `moved`: copied to the new layout and removed from the old. `already-moved`: the new
 * layout holds the same fields, so only the old copy was removed. `overwritten`: the new layout held other fields and
 * --force replaced them. `conflict`: the new layout holds other fields; nothing was changed. `blocked`: a key is not
 * what the layout says (see `reason`); nothing was changed. `gone`: the flag left the old layout while we ran.
 * With dryRun, nothing is written and the outcome is what would happen.
 */
export type FlagMigrationOutcome = 'moved' | 'already-moved' | 'overwritten' | 'conflict' | 'blocked' | 'gone';

export interface FlagMigrationEntry {
  env: Environment;
  flag: string;
  outcome: FlagMigrationOutcome;
  /** The flag's gates in the old layout (what is or would be moved); absent for `gone`/`blocked`. */
  gates?: FlagGates | null;
  /** The flag's gates found in the new layout before the move; `null` when it was not there. */
  found?: FlagGates | null;
  /** Why the flag was not moved (`conflict`, `blocked`). */
  reason?: string;
}

export interface FlagMigrationResult {
  dryRun: boolean;
  prefix: string;
  entries: FlagMigrationEntry[];
  /** Per environment, the flags the old layout still lists afterwards (none after a clean migration). */
  left: Record<Environment, number>;
}

export interface FlagMigrationOptions {
  /** FLAG_KEY_PREFIX. */
  prefix: string;
  /** Report what would happen, write nothing. */
  dryRun?: boolean;
  /** Replace a flag that the new layout already holds with different fields. */
  force?: boolean;
}

// One flag, atomically: checks both layouts and moves the old hash into the new layout (or only reports, dry run).
// The flag `features` is special: its new hash key is the old layout's set key, so it can move only once the old set
// lists nothing else (it is migrated last). A move is announced on the changes channel like a store write.
// KEYS: 1 old set, 2 old hash, 3 new set, 4 new hash. ARGV: 1 flag, 2 force ("1"/"0"), 3 dry run ("1"/"0"),
//       4 changes channel, 5 change message, 6 "1" when a dry run has moved every other flag of the old set.
// Reply: {outcome, oldFields, newFields, newPresent} or {'blocked', reason} or {'gone'}.
const MIGRATE_SCRIPT = `
local flag = ARGV[1]
if redis.call('SISMEMBER', KEYS[1], flag) == 0 then return {'gone'} end
local oldType = redis.call('TYPE', KEYS[2])['ok']
if oldType ~= 'none' and oldType ~= 'hash' then return {'blocked', KEYS[2] .. ' holds a ' .. oldType .. ', not a hash'} end
local shared = KEYS[4] == KEYS[1]
local newFields = {}
if shared then
  if redis.call('SCARD', KEYS[1]) > 1 and ARGV[6] ~= '1' then
    return {'blocked', 'its new hash key ' .. KEYS[4] .. ' is the old set of flag names, which still lists other flags: migrate those first'}
  end
else
  local newType = redis.call('TYPE', KEYS[4])['ok']
  if newType ~= 'none' and newType ~= 'hash' then return {'blocked', KEYS[4] .. ' holds a ' .. newType .. ', not a hash'} end
  newFields = redis.call('HGETALL', KEYS[4])
end
local oldFields = redis.call('HGETALL', KEYS[2])
local newPresent = redis.call('SISMEMBER', KEYS[3], flag) == 1 or #newFields > 0
local outcome = 'moved'
if newPresent then
  local same = #oldFields == #newFields
  if same then
    local old = {}
    for i = 1, #oldFields, 2 do old[oldFields[i]] = oldFields[i + 1] end
    for i = 1, #newFields, 2 do
      if old[newFields[i]] ~= newFields[i + 1] then same = false end
    end
  end
  if same then outcome = 'already-moved'
  elseif ARGV[2] == '1' then outcome = 'overwritten'
  else outcome = 'conflict' end
end
local reply = {outcome, oldFields, newFields, newPresent and 1 or 0}
if ARGV[3] == '1' or outcome == 'conflict' then return reply end
redis.call('SREM', KEYS[1], flag)
redis.call('DEL', KEYS[2])
if outcome ~= 'already-moved' then
  redis.call('DEL', KEYS[4])
  for i = 1, #oldFields, 2 do redis.call('HSET', KEYS[4], oldFields[i], oldFields[i + 1]) end
end
redis.call('SADD', KEYS[3], flag)
if outcome ~= 'already-moved' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return reply
`;
const MIGRATE_SCRIPT_SHA = createHash('sha1').update(MIGRATE_SCRIPT).digest('hex');

/**
 * Moves every flag of every environment from the old layout to Flipper's layout (FlagStore's). Idempotent: a second
 * run finds nothing to move. A flag that the new layout already holds with different fields is left in both
 * layouts (`conflict`) unless `force`. Change records and the changes channel kept their keys and need no move.
 */
export async function migrateFlagLayout(redis: RedisClient, options: FlagMigrationOptions): Promise<FlagMigrationResult> {
  validateKeyPrefix(options.prefix, 'Flag migration');
  const dryRun = options.dryRun === true;
  const entries: FlagMigrationEntry[] = [];
  const left = {} as Record<Environment, number>;
  for (const env of ENVIRONMENTS) {
    const flags = await legacyFlags(redis, options.prefix, env);
    const staying = new Set<string>(); // flags that stay in the old set (a dry run removes none, but would)
    for (const flag of flags) {
      const entry = await migrateFlag(redis, options, env, flag, flags.every((other) => other === flag || !staying.has(other)));
      if (entry.outcome === 'conflict' || entry.outcome === 'blocked') staying.add(flag);
      entries.push(entry);
    }
    left[env] = (await legacyFlags(redis, options.prefix, env)).length;
  }
  return { dryRun, prefix: options.prefix, entries, left };
}

/** The flags the old layout lists in `env`, sorted, with `features` last (its new key is the old set's). */
async function legacyFlags(redis: RedisClient, prefix: string, env: Environment): Promise<string[]> {
  const key = legacyFeaturesKey(prefix, env);
  const type = await redis.type(key);
  // A hash there is the new layout's flag `features`, already moved; no old set then.
  if (type === 'none' || type === 'hash') return [];
  if (type !== 'set') throw new Error(`Redis key ${key} holds a ${type}; the old flag layout keeps a set of flag names there`);
  const flags = (await redis.smembers(key)).sort();
  return [...flags.filter((flag) => flag !== 'features'), ...flags.filter((flag) => flag === 'features')];
}

async function migrateFlag(
  redis: RedisClient,
  options: FlagMigrationOptions,
  env: Environment,
  flag: string,
  othersMoved: boolean,
): Promise<FlagMigrationEntry> {
  const { prefix } = options;
  if (!isFlagName(flag) || flag === FLIPPER_FEATURES_SET) {
    return { env, flag, outcome: 'blocked', reason: `${JSON.stringify(flag)} cannot be a flag name in Flipper's layout; left in the old layout` };
  }
  const keys = [legacyFeaturesKey(prefix, env), legacyFeatureKey(prefix, env, flag), flipperFeaturesKey(prefix, env), flipperFeatureKey(prefix, env, flag)];
  const dryRun = options.dryRun === true;
  const args = [flag, options.force ? '1' : '0', dryRun ? '1' : '0', flagChangesChannel(prefix), flagChangeMessage(env, flag), dryRun && othersMoved ? '1' : '0'];
  const reply = await runScript(redis, keys, args);
  const outcome = reply[0] as FlagMigrationOutcome;
  if (outcome === 'gone') return { env, flag, outcome };
  if (outcome === 'blocked') return { env, flag, outcome, reason: String(reply[1]) };
  const [, oldFields, newFields, newPresent] = reply as [string, string[], string[], number];
  const entry: FlagMigrationEntry = { env, flag, outcome };
  if (outcome === 'conflict') {
    entry.reason = `${keys[3]} already holds other gates; left both as they are (--force replaces them with the old layout's)`;
  }
  // The fields moved as they were; reading them as gates is for the report, so a field that is not a gate value
  // (which the old store never wrote) is reported, not fatal.
  try {
    entry.gates = gatesFromHashFields(hashFieldsToObject(oldFields), keys[1] as string);
    entry.found = newPresent === 1 ? gatesFromHashFields(hashFieldsToObject(newFields), keys[3] as string) : null;
  } catch (err) {
    entry.reason = [entry.reason, err instanceof Error ? err.message : String(err)].filter(Boolean).join('; ');
  }
  return entry;
}

async function runScript(redis: RedisClient, keys: string[], args: string[]): Promise<unknown[]> {
  let reply: unknown;
  try {
    reply = await redis.evalsha(MIGRATE_SCRIPT_SHA, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
    reply = await redis.eval(MIGRATE_SCRIPT, keys.length, ...keys, ...args);
  }
  if (!Array.isArray(reply)) throw new Error(`Unexpected reply from the flag migration script: ${JSON.stringify(reply)}`);
  return reply as unknown[];
}
