// The Snowplow events a simulated rollout sends: the full-traffic series times the flag's share, read the way the guard reads Redis.
import type { MinuteSeries } from '../volume/read-sent-per-minute';
import { MS_PER_MINUTE, minutesBetween } from '../volume/read-sent-per-minute';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { MAX_WINDOW_SECONDS, ROLLING_DAYS, type VolumeReading } from '../volume/volume-reader';
import type { VolumeSeries } from './volume-series';

const MS_PER_DAY = 86_400_000;

/**
 * The flag's share of all traffic changes with each flag change (0 before production is touched, the percentage on
 * the ramp, 1 once enabled globally); events sent behind the flag in a span are the series' events in it times the
 * share then in effect. Fractions of events are kept in the sums and rounded where a counter is read.
 */
export class SimulatedTraffic {
  /** The share in effect from `fromMs` on, in time order; none before the first. */
  private readonly shares: { fromMs: number; share: number }[] = [];

  constructor(
    private readonly series: VolumeSeries,
    private readonly flag: string,
  ) {}

  /** From `atMs` on, the flag gets `share` (0–1) of all traffic. */
  setShare(atMs: number, share: number): void {
    const last = this.shares.at(-1);
    if (last && atMs < last.fromMs) throw new RangeError('shares must be set in time order');
    if (last?.fromMs === atMs) last.share = share;
    else this.shares.push({ fromMs: atMs, share });
  }

  /** Events sent behind the flag in [fromMs, toMs) (a fraction of an event where the share cuts one). */
  sentBetween(fromMs: number, toMs: number): number {
    let total = 0;
    this.shares.forEach(({ fromMs: start, share }, i) => {
      const end = this.shares[i + 1]?.fromMs ?? Infinity;
      const from = Math.max(fromMs, start);
      const to = Math.min(toMs, end);
      if (share > 0 && to > from) total += share * this.series.eventsBetween(from, to);
    });
    return total;
  }

  /**
   * What the guard's reader would find at `atMs` (as RedisVolumeReader reads it): today's counter, the previous days'
   * counters that exist, and the last `windowSeconds` complete seconds.
   */
  reading(atMs: number, windowSeconds: number): VolumeReading {
    const at = new Date(atMs);
    const window = Math.min(MAX_WINDOW_SECONDS, Math.max(1, Math.round(windowSeconds)));
    const day = utcDay(at);
    const dayStart = Date.parse(`${day}T00:00:00.000Z`);
    const nowSecond = Math.floor(atMs / 1000);
    const history: number[] = [];
    for (let i = 1; i <= ROLLING_DAYS; i++) {
      const count = Math.round(this.sentBetween(dayStart - i * MS_PER_DAY, dayStart - (i - 1) * MS_PER_DAY));
      if (count > 0) history.push(count); // a day without events has no counter in Redis
    }
    return {
      at: at.toISOString(),
      day,
      count: Math.round(this.sentBetween(dayStart, atMs)),
      key: snowplowSentCounterKey(this.flag, day),
      rollingAverage: history.length ? Math.round(history.reduce((a, b) => a + b, 0) / history.length) : null,
      rollingDays: history.length,
      windowSeconds: window,
      windowCount: Math.round(this.sentBetween((nowSecond - window) * 1000, nowSecond * 1000)),
    };
  }

  /** Events sent behind the flag per UTC minute from the minute of `startMs` to that of `endMs` (nothing after `endMs`), as `rollout report` charts them. */
  perMinute(startMs: number, endMs: number): MinuteSeries {
    const { first, count } = minutesBetween(new Date(startMs), new Date(endMs));
    const counts = Array.from({ length: count }, (_, i) => {
      const from = (first + i) * MS_PER_MINUTE;
      return Math.round(this.sentBetween(from, Math.min(from + MS_PER_MINUTE, endMs)));
    });
    return { firstMinute: new Date(first * MS_PER_MINUTE).toISOString(), counts };
  }
}
