// The Redis keys and atomic commands of the Snowplow outbox (a list per instance, plus a count of trimmed events).
//
// Both keys carry the instance id as their hash tag, so each script (and MULTI) touches one Redis Cluster slot.
import type { RedisClient } from '../redis/redis-client';

/** The list holding one instance's unsent events, oldest first. */
export function outboxKey(instanceId: string): string {
  return `snowplow_outbox:{${instanceId}}`;
}

/** How many events were ever trimmed off the head of the list to respect the bound (lets readers keep their place). */
export function outboxTrimmedKey(instanceId: string): string {
  return `snowplow_outbox_trimmed:{${instanceId}}`;
}

// Trims the list to ARGV[1] entries once `n` holds its length; the trimmed head is returned so every loss can be
// counted per event, and the trim counter so that a reader can take pushed events from memory and still remove them right.
const TRIM_TO_BOUND = `
local excess = n - tonumber(ARGV[1])
if excess <= 0 then return {n, {}, redis.call('GET', KEYS[2]) or '0'} end
local dropped = redis.call('LRANGE', KEYS[1], 0, excess - 1)
redis.call('LTRIM', KEYS[1], excess, -1)
return {n - excess, dropped, tostring(redis.call('INCRBY', KEYS[2], excess))}`;

// Push then trim atomically.
const PUSH_SCRIPT = `local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))${TRIM_TO_BOUND}`;

// Trim only: after a plain push that went past the bound (another writer grew the list meanwhile).
const TRIM_SCRIPT = `local n = redis.call('LLEN', KEYS[1])${TRIM_TO_BOUND}`;

// A reader remembers the trim counter at its first page; events trimmed since then shift its offset back.
const READ_SCRIPT = `
local trimmed = tonumber(redis.call('GET', KEYS[2]) or '0')
local epoch = tonumber(ARGV[1]) or trimmed
local offset = math.max(0, tonumber(ARGV[2]) - (trimmed - epoch))
return {epoch, redis.call('LRANGE', KEYS[1], offset, offset + tonumber(ARGV[3]) - 1)}`;

// Removes the events a reader sent, minus those the bound already trimmed, so no unsent event is removed; returns the
// list's length and how many it removed.
const REMOVE_SCRIPT = `
local trimmed = tonumber(redis.call('GET', KEYS[2]) or '0')
local epoch = tonumber(ARGV[1]) or trimmed
local n = tonumber(ARGV[2]) - (trimmed - epoch)
local before = redis.call('LLEN', KEYS[1])
if n > 0 then redis.call('LTRIM', KEYS[1], n, -1) end
local after = redis.call('LLEN', KEYS[1])
return {after, before - after}`;

export interface OutboxCommands {
  /** [length after, the entries trimmed to respect `max`, the trim counter after]. */
  snowplowOutboxPush(list: string, trimmed: string, max: number, ...payloads: string[]): Promise<[number, string[], string]>;
  /** [length after, the entries trimmed to respect `max`, the trim counter after]. */
  snowplowOutboxTrim(list: string, trimmed: string, max: number): Promise<[number, string[], string]>;
  /** [the reader's epoch, up to `count` entries from `offset` as of that epoch]. */
  snowplowOutboxRead(list: string, trimmed: string, epoch: string, offset: number, count: number): Promise<[number, string[]]>;
  /** [length after, entries removed]. */
  snowplowOutboxRemove(list: string, trimmed: string, epoch: string, count: number): Promise<[number, number]>;
}

/**
 * Pushes `payloads` with a plain RPUSH (no script: Redis copies no arguments into Lua) and reads the trim counter in
 * the same MULTI; for a list known to have room for them. [length after, the trim counter].
 */
export async function pushFitting(redis: RedisClient, list: string, trimmed: string, payloads: string[]): Promise<[number, string]> {
  const results = await redis.multi().rpush(list, ...payloads).get(trimmed).exec();
  if (!results) throw new Error(`Snowplow outbox push to ${list}: the MULTI was aborted`);
  const [[pushError, length], [getError, counter]] = results as [[Error | null, number], [Error | null, string | null]];
  const refused = pushError ?? getError;
  if (refused) throw refused;
  return [length, counter ?? '0'];
}

/** Registers the outbox commands on the client (idempotent; ioredis sends EVALSHA and falls back to EVAL). */
export function defineOutboxCommands(redis: RedisClient): RedisClient & OutboxCommands {
  redis.defineCommand('snowplowOutboxPush', { numberOfKeys: 2, lua: PUSH_SCRIPT });
  redis.defineCommand('snowplowOutboxTrim', { numberOfKeys: 2, lua: TRIM_SCRIPT });
  redis.defineCommand('snowplowOutboxRead', { numberOfKeys: 2, lua: READ_SCRIPT });
  redis.defineCommand('snowplowOutboxRemove', { numberOfKeys: 2, lua: REMOVE_SCRIPT });
  return redis as RedisClient & OutboxCommands;
}
