// Writes a flag's Snowplow counters (sent, failed, dropped) in the background, keeping failed writes to retry them.
import type { RedisClient } from '../redis/redis-client';
import { recordSentEvents } from '../volume/record-sent-events';
import { safeReporter } from './safe-callback';
import { DAILY_TTL_SECONDS, snowplowDroppedByEventKey, snowplowFailedByEventKey, utcDay } from '../volume/snowplow-counter-keys';

export type CounterKind = 'sent' | 'failed' | 'dropped';

export interface SnowplowCounterWriterOptions {
  redis: RedisClient;
  flag: string;
  /** Distinct pending writes (kind × second for sent, kind × day otherwise) kept while Redis fails. Default 10,000. */
  maxPendingWrites?: number;
  /** Pause before retrying after Redis failed. Default 1 s. */
  retryDelayMs?: number;
  onError?: (error: unknown) => void;
}

interface PendingWrite {
  kind: CounterKind;
  at: Date;
  counts: Map<string, number>;
}

export class SnowplowCounterWriter {
  private readonly redis: RedisClient;
  private readonly flag: string;
  private readonly maxPendingWrites: number;
  private readonly retryDelayMs: number;
  private readonly report: (error: unknown) => void;
  private pending = new Map<string, PendingWrite>();
  private writing: Promise<boolean> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly counts = { errors: 0, lostWrites: 0 };

  constructor(options: SnowplowCounterWriterOptions) {
    this.redis = options.redis;
    this.flag = options.flag;
    this.maxPendingWrites = options.maxPendingWrites ?? 10_000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.report = safeReporter(options.onError);
  }

  /** Adds `counts` (event → n) to the `kind` counters at time `at`; written soon, never throws. */
  record(kind: CounterKind, counts: ReadonlyMap<string, number>, at: Date): void {
    if (counts.size === 0) return;
    this.merge({ kind, at, counts: new Map(counts) });
    if (!this.retryTimer) this.startWrite();
  }

  /** Writes everything pending now; true when all of it reached Redis. Never rejects. */
  async flush(): Promise<boolean> {
    await this.writing;
    if (this.pending.size === 0) return true;
    this.startWrite();
    return (await this.writing) ?? true;
  }

  /** Stops retrying. Pending writes stay pending (see stats). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  get stats(): { errors: number; lostWrites: number; pendingWrites: number } {
    return { ...this.counts, pendingWrites: this.pending.size };
  }

  private startWrite(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.writing || this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.writing = this.write(batch).then((ok) => {
      this.writing = undefined;
      if (this.pending.size > 0) {
        if (ok) this.startWrite();
        else this.retryTimer = setTimeout(() => this.startWrite(), this.retryDelayMs).unref();
      }
      return ok;
    });
  }

  private async write(batch: PendingWrite[]): Promise<boolean> {
    for (let i = 0; i < batch.length; i++) {
      const write = batch[i];
      if (!write) continue;
      try {
        await this.writeOne(write);
      } catch (error) {
        this.counts.errors++;
        this.report(error);
        for (const rest of batch.slice(i)) this.merge(rest);
        return false;
      }
    }
    return true;
  }

  private async writeOne({ kind, at, counts }: PendingWrite): Promise<void> {
    if (kind === 'sent') {
      await recordSentEvents(this.redis, this.flag, counts, at);
      return;
    }
    const day = utcDay(at);
    const key = kind === 'failed' ? snowplowFailedByEventKey(this.flag, day) : snowplowDroppedByEventKey(this.flag, day);
    const multi = this.redis.multi();
    for (const [event, n] of counts) multi.hincrby(key, event, n);
    multi.expire(key, DAILY_TTL_SECONDS);
    await multi.exec();
  }

  /** Merges a write into the pending one of the same counter bucket, so pending writes stay few during an outage. */
  private merge(write: PendingWrite): void {
    const bucket = write.kind === 'sent' ? String(Math.floor(write.at.getTime() / 1000)) : utcDay(write.at);
    const id = `${write.kind}:${bucket}`;
    const existing = this.pending.get(id);
    if (!existing) {
      if (this.pending.size >= this.maxPendingWrites) {
        this.counts.lostWrites++;
        return;
      }
      this.pending.set(id, write);
      return;
    }
    for (const [event, n] of write.counts) existing.counts.set(event, (existing.counts.get(event) ?? 0) + n);
  }
}
