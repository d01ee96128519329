// Reads the daily Snowplow-sent counter of a flag from Redis.
import type Redis from 'ioredis';
import { snowplowSentCounterKey, utcDay } from './snowplow-counter-keys';
import type { VolumeReader, VolumeReading } from './volume-reader';

export class RedisVolumeReader implements VolumeReader {
  constructor(private readonly redis: Redis) {}

  async read(flag: string, at: Date): Promise<VolumeReading> {
    const day = utcDay(at);
    const key = snowplowSentCounterKey(flag, day);
    const raw = await this.redis.get(key);
    const count = raw === null ? 0 : Number(raw);
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new Error(`Redis key ${key} holds ${JSON.stringify(raw)}; expected a non-negative integer counter`);
    }
    return { day, count, key };
  }
}
