// Flag gates in Redis in Flipper's own Redis adapter layout, one Flipper key_prefix per environment.
import { createHash } from 'node:crypto';
import { changeFingerprint, parseChangeRecord, replayChangeRecord, type ChangeRecord } from './change-record';
import { isEnvironment, type Environment } from './environments';
import { applyChangeToGates, type FlagChange, type FlagGates } from './flag-gates';
import type { AppliedChange, FlagStore } from './flag-store';
import { foreignHashFields, gatesFromHashFields, gatesToHashFields, hashFieldsToObject } from './flipper-hash-fields';
import {
  DEFAULT_FLAG_KEY_PREFIX,
  changeRecordKey,
  flipperFeatureKey,
  flipperFeaturesKey,
  flipperKeyPrefix,
  validateFlipperFlagName,
  validateKeyPrefix,
  validateKeyPrefixForCluster,
} from './flipper-redis-keys';
import type { RedisClient } from '../redis/redis-client';
import { validateChangeId, validateEnvironment, validateFlagInput, validateFlagName } from './validate-flag-input';

export interface RedisFlagStoreOptions {
  /** FLAG_KEY_PREFIX: environment `env` uses Flipper's key_prefix `<prefix>:<env>:`; defaults to `flipper`. */
  prefix?: string;
  /** How long change records (for idempotent retries and rollback) are kept; defaults to 90 days. */
  changeRecordTtlSeconds?: number;
}

const DEFAULT_CHANGE_RECORD_TTL_SECONDS = 90 * 24 * 60 * 60;
/** Only concurrent writers to the same flag conflict; with jittered back-off they rarely need more than a few. */
const MAX_APPLY_ATTEMPTS = 50;
const MAX_BACKOFF_MS = 50;

// Optimistic compare-and-set: TS computes the new gates with applyChangeToGates (the one rule) and this script
// writes them only if the flag is still exactly as read, so a concurrent writer makes us retry, never lose data.
// The change notification is published from the same script, so no reader sees the write without it being
// announced (and a replayed change id, which writes nothing, announces nothing).
// KEYS: 1 features set, 2 feature hash, 3 change record (only with a change id).
// ARGV: 1 flag, 2 JSON {expectedPresent, expectedFieldCount, expectedFields, nextPresent, nextFields},
//       3 change record JSON, 4 change record TTL in seconds, 5 changes channel, 6 change message.
const APPLY_SCRIPT = `
if KEYS[3] then
  local recorded = redis.call('GET', KEYS[3])
  if recorded then return {'recorded', recorded} end
end
local state = cjson.decode(ARGV[2])
local present = redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1
if present ~= state.expectedPresent then return {'conflict'} end
local fields = redis.call('HGETALL', KEYS[2])
if #fields ~= 2 * state.expectedFieldCount then return {'conflict'} end
for i = 1, #fields, 2 do
  if state.expectedFields[fields[i]] ~= fields[i + 1] then return {'conflict'} end
end
redis.call('DEL', KEYS[2])
if state.nextPresent then
  redis.call('SADD', KEYS[1], ARGV[1])
  for i = 1, #state.nextFields, 2 do
    redis.call('HSET', KEYS[2], state.nextFields[i], state.nextFields[i + 1])
  end
else
  redis.call('SREM', KEYS[1], ARGV[1])
end
if KEYS[3] then
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {'applied'}
`;
const APPLY_SCRIPT_SHA = createHash('sha1').update(APPLY_SCRIPT).digest('hex');

/** `<prefix>:changes`: the Pub/Sub channel on which every write to a flag is announced. */
export function flagChangesChannel(prefix: string): string {
  return `${prefix}:changes`;
}

/** The message announcing a write to `flag` in `env`: `<env>\n<flag>` (neither can contain a newline). */
export function flagChangeMessage(env: Environment, flag: string): string {
  return `${env}\n${flag}`;
}

/** The environment and flag of a change message, or `null` when it is not one. */
export function parseFlagChangeMessage(message: string): { env: Environment; flag: string } | null {
  const newline = message.indexOf('\n');
  if (newline < 0) return null;
  const env = message.slice(0, newline);
  const flag = message.slice(newline + 1);
  return isEnvironment(env) && flag.length > 0 && !flag.includes('\n') ? { env, flag } : null;
}

interface Snapshot {
  record: string | null;
  present: boolean;
  hash: Record<string, string>;
}

/**
 * FlagStore on Redis, in the layout of Flipper's Redis adapter (`Flipper::Adapters::Redis.new(client, key_prefix:
 * "<prefix>:<env>:")` reads and writes the same flags): the set `<prefix>:<env>:flipper_features` of flag names and,
 * per flag, the hash `<prefix>:<env>:<flag>` with the fields `boolean`, `percentage_of_actors`, `percentage_of_time`,
 * `actors/<id>` and `groups/<name>`. Change records (`<prefix>:change:<id>`) and the changes channel are ours.
 * On Redis Cluster the prefix must hold a hash tag (`{flipper}`): the apply script's keys (features set, hash, change
 * record) then share one slot, and a Ruby app reads them with `key_prefix: "{flipper}:<env>:"`.
 *
 * Every write — an `apply` that wrote (not the replay of a recorded change id) and every
 * `delete` — is announced atomically with it by PUBLISH on `flagChangesChannel(prefix)` with the message
 * `flagChangeMessage(env, flag)`, i.e. `<env>\n<flag>`, so in-process caches (FlagCache) reload at once.
 * Pub/Sub is fire-and-forget: a subscriber that is disconnected misses messages and must reload on reconnect.
 */
export class RedisFlagStore implements FlagStore {
  private readonly prefix: string;
  private readonly changesChannel: string;
  private readonly changeRecordTtlSeconds: number;

  constructor(
    private readonly redis: RedisClient,
    options: RedisFlagStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_FLAG_KEY_PREFIX;
    this.changeRecordTtlSeconds = options.changeRecordTtlSeconds ?? DEFAULT_CHANGE_RECORD_TTL_SECONDS;
    validateKeyPrefix(this.prefix, 'RedisFlagStore');
    if (redis.isCluster) validateKeyPrefixForCluster(this.prefix, 'The flag store');
    this.changesChannel = flagChangesChannel(this.prefix);
    if (!Number.isSafeInteger(this.changeRecordTtlSeconds) || this.changeRecordTtlSeconds <= 0) {
      throw new Error(`RedisFlagStore changeRecordTtlSeconds must be a positive integer, got ${this.changeRecordTtlSeconds}`);
    }
  }

  /** The key_prefix a Ruby app gives Flipper's Redis adapter to read `env`'s flags: `<prefix>:<env>:`. */
  keyPrefix(env: Environment): string {
    return flipperKeyPrefix(this.prefix, env);
  }

  /** `<prefix>:<env>:flipper_features`: the set of flag names present in `env`. */
  featuresKey(env: Environment): string {
    return flipperFeaturesKey(this.prefix, env);
  }

  /** `<prefix>:<env>:<flag>`: the hash of the flag's gates in `env`. */
  featureKey(flag: string, env: Environment): string {
    return flipperFeatureKey(this.prefix, env, flag);
  }

  /** `<prefix>:change:<changeId>`: the JSON record of the change applied with that id. */
  changeKey(changeId: string): string {
    return changeRecordKey(this.prefix, changeId);
  }

  async get(flag: string, env: Environment): Promise<FlagGates | null> {
    validateFlagName(flag);
    validateFlipperFlagName(flag);
    validateEnvironment(env);
    const snapshot = await this.snapshot(flag, env);
    return snapshot.present ? gatesFromHashFields(snapshot.hash, this.featureKey(flag, env)) : null;
  }

  async apply(flag: string, env: Environment, change: FlagChange, changeId?: string): Promise<AppliedChange> {
    validateFlagInput(flag, env, change, changeId);
    validateFlipperFlagName(flag);
    const key = this.featureKey(flag, env);
    for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
      const snapshot = await this.snapshot(flag, env, changeId);
      if (snapshot.record !== null && changeId !== undefined) return this.replay(snapshot.record, changeId, flag, env, change);

      const previous = snapshot.present ? gatesFromHashFields(snapshot.hash, key) : null;
      const next = applyChangeToGates(previous, change);
      // Fields we do not model (a Ruby app's `expression` gate…) stay, unless the change clears the flag as
      // Flipper's disable does (`false`: DEL of the hash) or deletes it (restore null).
      const clears = next === null || (change.kind === 'boolean' && !change.value);
      const nextFields = next === null ? [] : [...gatesToHashFields(next), ...(clears ? [] : foreignHashFields(snapshot.hash))];
      // Read back from the fields so `current` is exactly what a later get() returns.
      const current = next === null ? null : gatesFromHashFields(hashFieldsToObject(nextFields), key);
      const record: ChangeRecord = { flag, env, change: changeFingerprint(change), previous, current };
      const state = {
        expectedPresent: snapshot.present,
        expectedFieldCount: Object.keys(snapshot.hash).length,
        expectedFields: snapshot.hash,
        nextPresent: next !== null,
        nextFields,
      };
      const keys = [this.featuresKey(env), key, ...(changeId === undefined ? [] : [this.changeKey(changeId)])];
      const args = [
        flag,
        JSON.stringify(state),
        JSON.stringify(record),
        String(this.changeRecordTtlSeconds),
        this.changesChannel,
        flagChangeMessage(env, flag),
      ];
      const reply = await this.runApplyScript(keys, args);
      if (reply[0] === 'applied') return { previous, current };
      if (reply[0] === 'recorded' && typeof reply[1] === 'string' && changeId !== undefined) {
        return this.replay(reply[1], changeId, flag, env, change);
      }
      if (reply[0] !== 'conflict') throw new Error(`Unexpected reply from the flag apply script: ${JSON.stringify(reply)}`);
      // Random back-off breaks the lock-step in which writers sharing a connection would keep colliding.
      await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
    }
    throw new Error(`Flag ${flag} in ${env} kept changing under us: gave up after ${MAX_APPLY_ATTEMPTS} attempts`);
  }

  async changeRecord(changeId: string): Promise<AppliedChange | null> {
    validateChangeId(changeId);
    const key = this.changeKey(changeId);
    const text = await this.redis.get(key);
    if (text === null) return null;
    const { previous, current } = parseChangeRecord(text, `Redis key ${key}`);
    return { previous, current };
  }

  async list(env: Environment): Promise<string[]> {
    return this.redis.smembers(this.featuresKey(env));
  }

  async delete(flag: string, env: Environment): Promise<void> {
    validateFlagName(flag);
    validateFlipperFlagName(flag);
    validateEnvironment(env);
    // Announced even when the flag was absent: a needless reload is cheaper than a Lua script for the check.
    const results = await this.redis
      .multi()
      .del(this.featureKey(flag, env))
      .srem(this.featuresKey(env), flag)
      .publish(this.changesChannel, flagChangeMessage(env, flag))
      .exec();
    throwFirstError(results);
  }

  private replay(text: string, changeId: string, flag: string, env: Environment, change: FlagChange): AppliedChange {
    return replayChangeRecord(parseChangeRecord(text, `Redis key ${this.changeKey(changeId)}`), changeId, flag, env, change);
  }

  /** Membership, hash (and change record) read in one MULTI so they describe the same moment. */
  private async snapshot(flag: string, env: Environment, changeId?: string): Promise<Snapshot> {
    const multi = this.redis.multi().sismember(this.featuresKey(env), flag).hgetall(this.featureKey(flag, env));
    if (changeId !== undefined) multi.get(this.changeKey(changeId));
    const [present, hash, record = null] = throwFirstError(await multi.exec());
    return { present: present === 1, hash: hash as Record<string, string>, record: record as string | null };
  }

  private async runApplyScript(keys: string[], args: string[]): Promise<unknown[]> {
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(APPLY_SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (err) {
      // First use on this server (or after SCRIPT FLUSH): send the script itself, which also caches it.
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      reply = await this.redis.eval(APPLY_SCRIPT, keys.length, ...keys, ...args);
    }
    if (!Array.isArray(reply)) throw new Error(`Unexpected reply from the flag apply script: ${JSON.stringify(reply)}`);
    return reply as unknown[];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function throwFirstError(results: [Error | null, unknown][] | null): unknown[] {
  if (results === null) throw new Error('Redis MULTI was aborted');
  for (const [err] of results) if (err) throw err;
  return results.map(([, value]) => value);
}
