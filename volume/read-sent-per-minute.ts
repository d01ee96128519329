// Reads a flag's per-minute Snowplow counters over a time range: one count per UTC minute, zeros included.
import type { RedisClient } from '../redis/redis-client';
import { parseCount } from './redis-volume-reader';
import { snowplowSentPerMinuteKey } from './snowplow-counter-keys';

/** Events sent behind a flag per minute, from `firstMinute` on: `counts[i]` is the minute `firstMinute + i`. */
export interface MinuteSeries {
  /** Start of the first minute (ISO 8601, UTC). */
  firstMinute: string;
  counts: number[];
}

export const MS_PER_MINUTE = 60_000;
/** Keys per MGET: large ranges are read in batches of this many, all in one pipeline. */
export const MINUTE_BATCH = 1000;
/** The longest range one read may cover (400 days); a longer one is refused rather than sent as one huge pipeline. */
export const MAX_SERIES_MINUTES = 400 * 1440;

/** The epoch minutes from the one holding `start` to the one holding `end`, both included. */
export function minutesBetween(start: Date, end: Date): { first: number; count: number } {
  const first = Math.floor(start.getTime() / MS_PER_MINUTE);
  const last = Math.floor(end.getTime() / MS_PER_MINUTE);
  return { first, count: last - first + 1 };
}

/** One count per minute from the minute of `start` to the minute of `end` (both included); minutes without a counter are 0. */
export async function readSentPerMinute(redis: RedisClient, flag: string, start: Date, end: Date): Promise<MinuteSeries> {
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new RangeError('readSentPerMinute: start and end must be valid dates');
  const { first, count } = minutesBetween(start, end);
  if (count < 1) throw new RangeError(`readSentPerMinute: end (${end.toISOString()}) is before start (${start.toISOString()})`);
  if (count > MAX_SERIES_MINUTES) {
    throw new RangeError(`readSentPerMinute: ${count} minutes from ${start.toISOString()} to ${end.toISOString()}; at most ${MAX_SERIES_MINUTES} (400 days) can be read at once`);
  }
  const pipeline = redis.pipeline();
  for (let offset = 0; offset < count; offset += MINUTE_BATCH) {
    const keys = Array.from({ length: Math.min(MINUTE_BATCH, count - offset) }, (_, i) => snowplowSentPerMinuteKey(flag, first + offset + i));
    pipeline.mget(...keys);
  }
  const replies = (await pipeline.exec()) ?? [];
  const counts: number[] = [];
  for (const [error, values] of replies) {
    if (error) throw error;
    for (const value of values as (string | null)[]) {
      counts.push(value === null ? 0 : parseCount(value, `per-minute bucket ${first + counts.length} of ${flag}`));
    }
  }
  return { firstMinute: new Date(first * MS_PER_MINUTE).toISOString(), counts };
}
