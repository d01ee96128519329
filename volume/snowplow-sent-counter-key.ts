// Names the Redis counter of Snowplow events sent for a flag's events on one UTC day, which the volume guard reads.

/** UTC calendar day of `date` as YYYY-MM-DD. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * `snowplow_sent:{<flag>}:<YYYY-MM-DD>` — an integer the tracking path INCRBYs for every event it sends
 * to Snowplow behind `<flag>`; the braces keep one flag's counters in one Redis Cluster slot.
 */
export function snowplowSentCounterKey(flag: string, day: string): string {
  return `snowplow_sent:{${flag}}:${day}`;
}
