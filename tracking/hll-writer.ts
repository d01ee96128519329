// Write-behind buffer of unique-user values per RedisHLL key, written with PFADD + EXPIRE in one MULTI round trip.
import type { RedisClient } from '../redis/redis-client';
import { HLL_KEY_TTL_SECONDS } from './hll-week-key';
import { safeReporter } from './safe-callback';

export interface HllWriterOptions {
  redis: RedisClient;
  /** A key holding this many values is written at once; also the PFADD slice size. Default 300. */
  batchSize?: number;
  /** Other values are written this long after the first one was buffered. Default 20 ms. */
  delayMs?: number;
  /** EXPIRE of every written key. Default 6 weeks. */
  ttlSeconds?: number;
  /** Values waiting for Redis at most (while it is slow or down); over it new values are dropped and counted. Default 100,000. */
  maxBufferedValues?: number;
  /** After a failed write, the next attempt waits this long at most (doubling from delayMs). Default 5 s. */
  maxRetryDelayMs?: number;
  onError?: (error: unknown) => void;
}

export interface HllWriterStats {
  /** add() calls accepted (duplicates of a buffered value included). */
  added: number;
  /** Distinct (key, value) pairs Redis acknowledged. */
  written: number;
  /** Values refused because the buffer was full or the writer closed. */
  dropped: number;
  /** Failed writes: on connection errors the values stay buffered and are retried (PFADD and EXPIRE are idempotent). */
  errors: number;
  /** Values waiting now. */
  buffered: number;
}

export class HllWriter {
  private readonly redis: RedisClient;
  private readonly batchSize: number;
  private readonly delayMs: number;
  private readonly ttlSeconds: number;
  private readonly maxBufferedValues: number;
  private readonly maxRetryDelayMs: number;
  private readonly report: (error: unknown) => void;
  private buffer = new Map<string, Set<string>>();
  private buffered = 0;
  private hasFullKey = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private consecutiveErrors = 0;
  private closed = false;
  private readonly counts = { added: 0, written: 0, dropped: 0, errors: 0 };

  constructor(options: HllWriterOptions) {
    this.redis = options.redis;
    this.batchSize = options.batchSize ?? 300;
    this.delayMs = options.delayMs ?? 20;
    this.ttlSeconds = options.ttlSeconds ?? HLL_KEY_TTL_SECONDS;
    this.maxBufferedValues = options.maxBufferedValues ?? 100_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.report = safeReporter(options.onError);
  }

  /** Buffers `value` for `key`; never throws and never waits for Redis. */
  add(key: string, value: string): void {
    if (this.closed || this.buffered >= this.maxBufferedValues) {
      this.counts.dropped++;
      return;
    }
    this.counts.added++;
    let values = this.buffer.get(key);
    if (!values) {
      values = new Set();
      this.buffer.set(key, values);
    }
    const size = values.size;
    values.add(value);
    // A value already buffered for this key: nothing more to write.
    if (values.size === size) return;
    this.buffered++;
    if (values.size >= this.batchSize) this.hasFullKey = true;
    if (this.hasFullKey && this.consecutiveErrors === 0) this.startWrite();
    else this.scheduleWrite();
  }

  /** Writes what is buffered now (after any write in progress). Resolves, never rejects, also when Redis fails. */
  async flush(): Promise<void> {
    await this.writing;
    // The write that just ended may have started a follow-up; wait for it rather than overlap it.
    await this.writing;
    if (this.buffered > 0) {
      this.startWrite();
      await this.writing;
    }
  }

  /** Stops the timer, writes what is buffered once, and refuses (counts as dropped) later values. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.flush();
  }

  get stats(): HllWriterStats {
    return { ...this.counts, buffered: this.buffered };
  }

  private scheduleWrite(): void {
    if (this.timer || this.writing || this.closed) return;
    const delay = this.consecutiveErrors === 0 ? this.delayMs : Math.min(this.maxRetryDelayMs, this.delayMs * 2 ** this.consecutiveErrors);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWrite();
    }, delay);
    // Buffered counts must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startWrite(): void {
    if (this.writing || this.buffered === 0) return;
    this.clearTimer();
    const batch = this.buffer;
    const size = this.buffered;
    this.buffer = new Map();
    this.buffered = 0;
    this.hasFullKey = false;
    this.writing = this.write(batch, size).finally(() => {
      this.writing = undefined;
      if (this.buffered === 0 || this.closed) return;
      if (this.hasFullKey && this.consecutiveErrors === 0) this.startWrite();
      else this.scheduleWrite();
    });
  }

  private async write(batch: Map<string, Set<string>>, size: number): Promise<void> {
    try {
      const multi = this.redis.multi();
      for (const [key, set] of batch) {
        const values = [...set];
        for (let i = 0; i < values.length; i += this.batchSize) multi.pfadd(key, ...values.slice(i, i + this.batchSize));
        multi.expire(key, this.ttlSeconds);
      }
      const results = await multi.exec();
      this.consecutiveErrors = 0;
      // A command Redis refused (e.g. WRONGTYPE on a key) would fail again: count it, do not retry it.
      const refused = results ? results.find(([error]) => error !== null)?.[0] : new Error('HLL write: MULTI was aborted');
      if (refused) {
        this.counts.errors++;
        this.report(refused);
        return;
      }
      this.counts.written += size;
    } catch (error) {
      // The connection failed: the values are retried, which is safe because PFADD and EXPIRE are idempotent.
      this.counts.errors++;
      this.consecutiveErrors++;
      this.requeue(batch);
      this.report(error);
    }
  }

  /** Puts a failed batch back in front of newer values, within the buffer bound. */
  private requeue(batch: Map<string, Set<string>>): void {
    for (const [key, values] of batch) {
      for (const value of values) {
        let set = this.buffer.get(key);
        if (set?.has(value)) continue;
        if (this.buffered >= this.maxBufferedValues) {
          this.counts.dropped++;
          continue;
        }
        if (!set) {
          set = new Set();
          this.buffer.set(key, set);
        }
        set.add(value);
        this.buffered++;
        if (set.size >= this.batchSize) this.hasFullKey = true;
      }
    }
  }
}
