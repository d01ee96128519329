// Names the weekly RedisHLL key of an event, in the format the monolith's counters already use.

/** Weekly keys expire after 6 weeks, as the existing RedisHLL counters do. */
export const HLL_KEY_TTL_SECONDS = 6 * 7 * 86400;

/** The ISO 8601 week-numbering year and week of `date` in UTC (strftime `%G` and `%V`). */
export function isoWeek(date: Date): { year: number; week: number } {
  // The ISO week belongs to the year of its Thursday: move to this week's Thursday (Monday = day 1).
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dayOfWeek = thursday.getUTCDay() || 7;
  thursday.setUTCDate(thursday.getUTCDate() + 4 - dayOfWeek);
  const year = thursday.getUTCFullYear();
  const dayOfYear = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000);
  return { year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** `{hll_counters}_<event>-<ISO year>-<ISO week>`; the braces are the Redis Cluster hash tag shared by all HLL keys. */
export function hllWeekKey(event: string, date: Date): string {
  const { year, week } = isoWeek(date);
  return `{hll_counters}_${event}-${year}-${String(week).padStart(2, '0')}`;
}

/**
 * A memo of hllWeekKey for the hot path, taking the time in epoch milliseconds (no Date per call): the key only
 * changes when the UTC day does, so it is computed once per event and day instead of once per call (the memo starts
 * over each day and past `maxEvents` names).
 */
export function memoizedWeekKey(maxEvents = 10_000): (event: string, nowMs: number) => string {
  let day = Number.NaN;
  let keys = new Map<string, string>();
  return (event, nowMs) => {
    const today = Math.floor(nowMs / 86_400_000);
    if (today !== day || keys.size >= maxEvents) {
      day = today;
      keys = new Map();
    }
    let key = keys.get(event);
    if (key === undefined) {
      key = hllWeekKey(event, new Date(nowMs));
      keys.set(event, key);
    }
    return key;
  };
}
