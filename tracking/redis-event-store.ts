// The Snowplow emitter's outbox kept in a Redis list, so queued events survive a restart of the process.
//
// One live process per instanceId: the list `snowplow_outbox:{<id>}` is that process's queue, and a new process with
// the same id sends what the old one left. Writes are write-behind: add() buffers in memory and every add() of one
// event-loop turn goes to Redis in one atomic push+trim script. No method rejects: the emitter calls add() without
// awaiting it, so a rejection would be an unhandled one; Redis errors are counted and the events wait in memory.
import type Redis from 'ioredis';
import type { EventStore, EventStoreIterator, EventStorePayload, Payload } from '@snowplow/node-tracker';
import { defineOutboxCommands, outboxKey, outboxTrimmedKey, type OutboxCommands } from './outbox-commands';

export type DropReason = 'outbox-full' | 'memory-full' | 'closed';

export interface RedisEventStoreOptions {
  redis: Redis;
  instanceId: string;
  /** Events the Redis list holds at most; pushing past it drops the oldest (reported to onDrop). Default 100,000. */
  maxEvents?: number;
  /** Events waiting in memory for Redis at most (while it fails); past it the oldest are dropped. Default 10,000. */
  maxMemoryEvents?: number;
  /** Events per RPUSH at most. Default 1,000. */
  maxPushEvents?: number;
  /** Events per LRANGE page when the emitter iterates. Default 1,000 (about two 500 KB POSTs). */
  pageSize?: number;
  /** Pause before writing again after Redis failed. Default 1 s. */
  retryDelayMs?: number;
  onDrop?: (payloads: Payload[], reason: DropReason) => void;
  onError?: (error: unknown) => void;
}

export interface RedisEventStoreStats {
  added: number;
  written: number;
  dropped: number;
  errors: number;
  /** Events in the Redis list as last seen plus those waiting in memory. */
  size: number;
}

interface Unwritten {
  json: string;
  payload: Payload;
}

export class RedisEventStore implements EventStore {
  readonly key: string;
  private readonly trimmedKey: string;
  private readonly redis: Redis & OutboxCommands;
  private readonly maxEvents: number;
  private readonly maxMemoryEvents: number;
  private readonly maxPushEvents: number;
  private readonly pageSize: number;
  private readonly retryDelayMs: number;
  private readonly onDrop?: (payloads: Payload[], reason: DropReason) => void;
  private readonly onError?: (error: unknown) => void;
  private memory: Unwritten[] = [];
  private inFlight = 0;
  private writing: Promise<boolean> | undefined;
  private writeScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private storedLength = 0;
  private lastReader: { epoch: string } | undefined;
  private closed = false;
  private readonly counts = { added: 0, written: 0, dropped: 0, errors: 0 };

  constructor(options: RedisEventStoreOptions) {
    this.key = outboxKey(options.instanceId);
    this.trimmedKey = outboxTrimmedKey(options.instanceId);
    this.maxEvents = options.maxEvents ?? 100_000;
    this.maxMemoryEvents = options.maxMemoryEvents ?? 10_000;
    this.maxPushEvents = options.maxPushEvents ?? 1000;
    this.pageSize = options.pageSize ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.onDrop = options.onDrop;
    this.onError = options.onError;
    this.redis = defineOutboxCommands(options.redis);
  }

  /** Buffers the event; it reaches Redis with the other add() calls of this turn. Resolves at once with the size. */
  add(payload: EventStorePayload): Promise<number> {
    try {
      const unwritten = { json: JSON.stringify(payload), payload: payload.payload };
      if (this.closed) {
        this.drop([unwritten], 'closed');
      } else {
        this.memory.push(unwritten);
        this.counts.added++;
        this.enforceMemoryBound();
        this.scheduleWrite();
      }
    } catch (error) {
      this.fail(error);
    }
    return Promise.resolve(this.size());
  }

  /** Events in Redis (asked now) plus those waiting in memory; on a Redis error the last known length is used. */
  async count(): Promise<number> {
    try {
      this.storedLength = await this.redis.llen(this.key);
    } catch (error) {
      this.fail(error);
    }
    return this.size();
  }

  /** Synchronous estimate: the Redis list as last seen plus what waits in memory. */
  size(): number {
    return this.storedLength + this.memory.length + this.inFlight;
  }

  /** Removes the first `count` events the latest iterator returned (events the bound trimmed meanwhile excepted). */
  async removeHead(count: number): Promise<void> {
    const epoch = this.lastReader?.epoch ?? '';
    this.lastReader = undefined;
    try {
      this.storedLength = await this.redis.snowplowOutboxRemove(this.key, this.trimmedKey, epoch, count);
    } catch (error) {
      // The events stay in the list and are sent again: at-least-once.
      this.fail(error);
    }
  }

  /** Reads the Redis list lazily, a page at a time; a Redis error ends the iteration early. */
  iterator(): EventStoreIterator {
    const reader = { epoch: '' };
    this.lastReader = reader;
    let page: string[] = [];
    let index = 0;
    let yielded = 0;
    let exhausted = false;
    return {
      next: async () => {
        if (index >= page.length) {
          if (exhausted) return { value: undefined, done: true };
          try {
            const [epoch, entries] = await this.redis.snowplowOutboxRead(this.key, this.trimmedKey, reader.epoch, yielded, this.pageSize);
            reader.epoch = String(epoch);
            page = entries;
          } catch (error) {
            this.fail(error);
            page = [];
          }
          index = 0;
          exhausted = page.length < this.pageSize;
          if (page.length === 0) return { value: undefined, done: true };
        }
        const json = page[index++] ?? '';
        yielded++;
        return { value: this.parse(json), done: false };
      },
    };
  }

  async getAll(): Promise<readonly EventStorePayload[]> {
    let stored: string[] = [];
    try {
      stored = await this.redis.lrange(this.key, 0, -1);
    } catch (error) {
      this.fail(error);
    }
    return [...stored.map((json) => this.parse(json)), ...this.memory.map((u) => ({ payload: u.payload }))];
  }

  async getAllPayloads(): Promise<readonly Payload[]> {
    return (await this.getAll()).map((event) => event.payload);
  }

  /** Resolves true once everything added so far is in Redis, false as soon as a write fails. */
  async whenWritten(): Promise<boolean> {
    while (this.writing || this.memory.length > 0) {
      if (!this.writing) this.startWrite();
      if (!(await this.writing)) return false;
    }
    return true;
  }

  /** Writes what waits in memory once more; later add() calls are dropped (and reported). */
  async close(): Promise<boolean> {
    const written = await this.whenWritten();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    return written;
  }

  get stats(): RedisEventStoreStats {
    return { ...this.counts, size: this.size() };
  }

  private scheduleWrite(): void {
    // While Redis is failing, new events wait for the retry timer instead of piling up in ioredis's offline queue.
    if (this.writeScheduled || this.writing || this.retryTimer) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.startWrite();
    });
  }

  private startWrite(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.writing || this.memory.length === 0) return;
    const batch = this.memory.splice(0, this.maxPushEvents);
    this.inFlight = batch.length;
    this.writing = this.push(batch).then((ok) => {
      this.inFlight = 0;
      this.writing = undefined;
      if (this.memory.length === 0) return ok;
      if (ok) this.startWrite();
      else if (!this.closed) this.retryTimer = setTimeout(() => this.startWrite(), this.retryDelayMs).unref();
      return ok;
    });
  }

  private async push(batch: Unwritten[]): Promise<boolean> {
    try {
      const [length, trimmed] = await this.redis.snowplowOutboxPush(this.key, this.trimmedKey, this.maxEvents, ...batch.map((u) => u.json));
      this.storedLength = length;
      this.counts.written += batch.length;
      if (trimmed.length > 0) this.drop(trimmed.map((json) => ({ json, payload: this.parse(json).payload })), 'outbox-full');
      return true;
    } catch (error) {
      // The push may still have happened (reply lost): retrying can store an event twice, never zero times.
      this.fail(error);
      this.memory.unshift(...batch);
      this.enforceMemoryBound();
      return false;
    }
  }

  private enforceMemoryBound(): void {
    const excess = this.memory.length - this.maxMemoryEvents;
    if (excess > 0) this.drop(this.memory.splice(0, excess), 'memory-full');
  }

  private drop(events: Unwritten[], reason: DropReason): void {
    this.counts.dropped += events.length;
    try {
      this.onDrop?.(
        events.map((u) => u.payload),
        reason,
      );
    } catch (error) {
      this.fail(error);
    }
  }

  /** A list entry that is not ours still takes its place, so removeHead's count stays aligned with the list. */
  private parse(json: string): EventStorePayload {
    try {
      const parsed = JSON.parse(json) as EventStorePayload;
      if (parsed && typeof parsed === 'object' && parsed.payload && typeof parsed.payload === 'object') return parsed;
    } catch {
      // counted below
    }
    this.counts.errors++;
    return { payload: {} };
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    try {
      this.onError?.(error);
    } catch {
      // A throwing callback must not make a store method reject.
    }
  }
}
