// Names the Redis counters of Snowplow events sent behind a flag: per day, per event, per second, per minute, failures and losses.
//
// All keys carry the flag in braces, so one flag's counters share a Redis Cluster slot and can be written in one MULTI.

/** UTC calendar day of `date` as YYYY-MM-DD. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Integer: events sent to Snowplow behind `flag` on `day` — what the volume guard compares with the budget. */
export function snowplowSentCounterKey(flag: string, day: string): string {
  return `snowplow_sent:{${flag}}:${day}`;
}

/** Hash event → count: events sent behind `flag` on `day`, per event name. */
export function snowplowSentByEventKey(flag: string, day: string): string {
  return `snowplow_sent_by_event:{${flag}}:${day}`;
}

/** Integer: events sent behind `flag` during one UTC second (epoch seconds); the guard sums these for rates. */
export function snowplowSentPerSecondKey(flag: string, epochSecond: number): string {
  return `snowplow_sent_per_second:{${flag}}:${epochSecond}`;
}

/** Integer: events sent behind `flag` during one UTC minute (epoch minutes); `rollout report` charts these over a whole rollout. */
export function snowplowSentPerMinuteKey(flag: string, epochMinute: number): string {
  return `snowplow_sent_per_minute:{${flag}}:${epochMinute}`;
}

/** Hash event → count: events whose send attempt failed (they may still be retried) on `day`. */
export function snowplowFailedByEventKey(flag: string, day: string): string {
  return `snowplow_failed:{${flag}}:${day}`;
}

/** Hash event → count: events lost on `day` (store bound exceeded, or rejected by the collector for good). */
export function snowplowDroppedByEventKey(flag: string, day: string): string {
  return `snowplow_dropped:{${flag}}:${day}`;
}

/** Per-second buckets live this long; rates are read over at most the last hour. */
export const PER_SECOND_TTL_SECONDS = 2 * 3600;
/** Daily counters live this long, enough for a 7-day rolling average. */
export const DAILY_TTL_SECONDS = 10 * 86400;
/** Per-minute buckets live this long: enough to chart a rollout of several weeks (older minutes read as 0). */
export const PER_MINUTE_TTL_SECONDS = 35 * 86400;
