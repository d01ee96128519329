// Reads a flag's Snowplow counters from Redis: today's total, the 7-day rolling average and a per-second window.
import type { RedisClient } from '../redis/redis-client';
import { snowplowSentCounterKey, snowplowSentPerSecondKey, utcDay } from './snowplow-counter-keys';
import { MAX_WINDOW_SECONDS, ROLLING_DAYS, type VolumeReader, type VolumeReading } from './volume-reader';

export class RedisVolumeReader implements VolumeReader {
  constructor(private readonly redis: RedisClient) {}

  async read(flag: string, at: Date, windowSeconds: number): Promise<VolumeReading> {
    const window = Math.min(MAX_WINDOW_SECONDS, Math.max(1, Math.round(windowSeconds)));
    const day = utcDay(at);
    const key = snowplowSentCounterKey(flag, day);
    const previousDays = Array.from({ length: ROLLING_DAYS }, (_, i) => utcDay(new Date(at.getTime() - (i + 1) * 86_400_000)));
    // The window is the last `window` complete seconds: the current one is still filling and would bias the rate low.
    const now = Math.floor(at.getTime() / 1000);
    const seconds = Array.from({ length: window }, (_, i) => now - 1 - i);
    const [today, ...rest] = await this.redis.mget(
      key,
      ...previousDays.map((d) => snowplowSentCounterKey(flag, d)),
      ...seconds.map((s) => snowplowSentPerSecondKey(flag, s)),
    );
    const history = rest.slice(0, ROLLING_DAYS).filter((v): v is string => v !== null).map((v, i) => parseCount(v, `day -${i + 1}`));
    const windowCount = rest.slice(ROLLING_DAYS).reduce((sum, v) => sum + (v === null ? 0 : parseCount(v, 'per-second bucket')), 0);
    return {
      at: at.toISOString(),
      day,
      count: today == null ? 0 : parseCount(today, key),
      key,
      rollingAverage: history.length ? Math.round(history.reduce((a, b) => a + b, 0) / history.length) : null,
      rollingDays: history.length,
      windowSeconds: window,
      windowCount,
    };
  }
}

export function parseCount(raw: string, where: string): number {
  const count = Number(raw);
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`Redis counter ${where} holds ${JSON.stringify(raw)}; expected a non-negative integer counter`);
  }
  return count;
}
