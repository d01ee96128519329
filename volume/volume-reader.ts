// The contract for reading a flag's Snowplow volume: today's count, the rolling daily average and a recent window.
export interface VolumeReading {
  /** When the reading was taken (ISO 8601, the reader's clock). */
  at: string;
  /** UTC day of the reading and the events sent behind the flag on it so far. */
  day: string;
  count: number;
  key: string;
  /** Mean daily count over the previous days that have data (up to 7), or null without history: the seed's monitor. */
  rollingAverage: number | null;
  rollingDays: number;
  /** Events sent in the last `windowSeconds` seconds (per-second buckets), for the current rate. */
  windowSeconds: number;
  windowCount: number;
}

export interface VolumeReader {
  /** Reads the flag's volume at `at`, with a rate window of `windowSeconds` (1 s to 1 h). */
  read(flag: string, at: Date, windowSeconds: number): Promise<VolumeReading>;
}

/** The longest rate window a reader sums (per-second buckets are kept for two hours). */
export const MAX_WINDOW_SECONDS = 3600;
/** How many previous days the rolling average looks at. */
export const ROLLING_DAYS = 7;
