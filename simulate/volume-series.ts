// A per-second Snowplow volume series at 100 % of traffic, as `rollout simulate` replays it: sums over any span of time.

/** The longest series a simulation takes (31 days of seconds); longer runs repeat a shorter one with `loop`. */
export const MAX_SERIES_SECONDS = 31 * 86_400;

const MS_PER_SECOND = 1000;

/**
 * Events per second from `firstSecond` (epoch seconds) on, one count per second with the seconds the file left out as
 * 0. Events inside one second are taken as spread evenly over it. Without `loop` the series covers up to the end of
 * its last second; with it, it repeats from its first second for as long as the simulation runs.
 */
export class VolumeSeries {
  readonly seconds: number;
  /** prefix[i]: events in the first i seconds. */
  private readonly prefix: Float64Array;

  constructor(
    readonly firstSecond: number,
    counts: ArrayLike<number>,
    readonly loop = false,
  ) {
    if (counts.length === 0) throw new RangeError('a volume series needs at least one second');
    this.seconds = counts.length;
    this.prefix = new Float64Array(counts.length + 1);
    for (let i = 0; i < counts.length; i++) this.prefix[i + 1] = this.prefix[i]! + counts[i]!;
  }

  /** Start of the first second (epoch ms). */
  get startMs(): number {
    return this.firstSecond * MS_PER_SECOND;
  }

  /** End of the last second (epoch ms): the series says nothing after it unless it loops. */
  get endMs(): number {
    return (this.firstSecond + this.seconds) * MS_PER_SECOND;
  }

  /** Events in the whole series (one lap). */
  get total(): number {
    return this.prefix[this.seconds]!;
  }

  /** Whether the series tells the traffic up to `ms` (epoch ms). */
  covers(ms: number): boolean {
    return this.loop || ms <= this.endMs;
  }

  /** Events at 100 % in [fromMs, toMs); time before the series (and after it, unless it loops) has none. */
  eventsBetween(fromMs: number, toMs: number): number {
    return toMs <= fromMs ? 0 : this.cumulative(toMs) - this.cumulative(fromMs);
  }

  /** Events from the start of the series up to `ms`. */
  private cumulative(ms: number): number {
    const offset = ms - this.startMs;
    if (offset <= 0) return 0;
    const spanMs = this.seconds * MS_PER_SECOND;
    if (offset >= spanMs && !this.loop) return this.total;
    const laps = Math.floor(offset / spanMs);
    const within = offset - laps * spanMs;
    const second = Math.floor(within / MS_PER_SECOND);
    const fraction = (within - second * MS_PER_SECOND) / MS_PER_SECOND;
    const partial = second < this.seconds ? (this.prefix[second + 1]! - this.prefix[second]!) * fraction : 0;
    return laps * this.total + this.prefix[second]! + partial;
  }
}
