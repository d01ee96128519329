// The Snowplow outbox: payload fragments kept in a Redis list, so queued events survive a restart of the process.
//
// One live process per instanceId: the list `snowplow_outbox:{<id>}` is that process's queue, and a new process with
// the same id sends what the old one left. Each entry is one event's payload JSON exactly as it goes into a tp2 batch
// (see snowplow-batch.ts). Writes are write-behind: add() buffers in memory and what was added in one event-loop turn
// goes to Redis in one push that keeps the bound. What was pushed is also kept in memory (OutboxMirror, bounded), so
// the head is sent without reading it back. No method rejects: Redis errors are counted and the events wait in memory.
import type { RedisClient } from '../redis/redis-client';
import { OutboxMirror } from './outbox-mirror';
import { ReplyOrder } from './reply-order';
import { guarded, safeReporter } from './safe-callback';
import { defineOutboxCommands, outboxKey, outboxTrimmedKey, pushFitting, type OutboxCommands } from './outbox-commands';

export type DropReason = 'outbox-full' | 'memory-full' | 'closed';

export interface SnowplowOutboxOptions {
  redis: RedisClient;
  instanceId: string;
  /** Events the Redis list holds at most; pushing past it drops the oldest (reported to onDrop). Default 100,000. */
  maxEvents?: number;
  /** Events waiting in memory for Redis at most (while it fails); past it the oldest are dropped. Default 10,000. */
  maxMemoryEvents?: number;
  /** Events per push at most. Default 1,000. */
  maxPushEvents?: number;
  /** Pause before writing again after Redis failed. Default 1 s. */
  retryDelayMs?: number;
  /** Pushed events kept in memory to be sent without reading them back, at most. Default 20,000. */
  maxMirrorEvents?: number;
  onDrop?: (fragments: string[], reason: DropReason) => void;
  onError?: (error: unknown) => void;
}

export interface SnowplowOutboxStats {
  added: number;
  written: number;
  dropped: number;
  errors: number;
  /** Events in the Redis list as last seen plus those waiting in memory. */
  size: number;
}

/** Entries read from the head of the list, and the trim count they were read at (for remove()). */
export interface OutboxPage {
  epoch: string;
  entries: string[];
}

export class SnowplowOutbox {
  readonly key: string;
  private readonly trimmedKey: string;
  private readonly redis: RedisClient & OutboxCommands;
  private readonly maxEvents: number;
  private readonly maxMemoryEvents: number;
  private readonly maxPushEvents: number;
  private readonly retryDelayMs: number;
  private readonly onDrop: (fragments: string[], reason: DropReason) => void;
  private readonly report: (error: unknown) => void;
  private memory: string[] = [];
  private inFlight = 0;
  private writing: Promise<boolean> | undefined;
  private writeScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private storedLength = 0;
  /**
   * storedLength is an upper bound of the list's length: it was stated by a reply and only this process pushes since
   * (removes only shrink it). False until the first such reply and after any failed command (a lost push reply).
   */
  private lengthKnown = false;
  private readonly mirror: OutboxMirror;
  /** Lengths and the mirror follow the replies in the order Redis ran their commands (see ReplyOrder). */
  private readonly replies = new ReplyOrder();
  private closed = false;
  private readonly counts = { added: 0, written: 0, dropped: 0, errors: 0 };

  constructor(options: SnowplowOutboxOptions) {
    this.key = outboxKey(options.instanceId);
    this.trimmedKey = outboxTrimmedKey(options.instanceId);
    this.maxEvents = options.maxEvents ?? 100_000;
    this.maxMemoryEvents = options.maxMemoryEvents ?? 10_000;
    this.maxPushEvents = options.maxPushEvents ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.mirror = new OutboxMirror(options.maxMirrorEvents ?? 20_000);
    this.report = safeReporter(options.onError);
    this.onDrop = guarded(options.onDrop ?? (() => undefined), (error) => this.fail(error));
    this.redis = defineOutboxCommands(options.redis);
  }

  /** Buffers the fragments; they reach Redis with the others of this turn. Never throws. */
  add(fragments: readonly string[]): void {
    if (fragments.length === 0) return;
    if (this.closed) {
      this.drop([...fragments], 'closed');
      return;
    }
    for (const fragment of fragments) this.memory.push(fragment);
    this.counts.added += fragments.length;
    this.enforceMemoryBound();
    this.scheduleWrite();
  }

  /** Events in Redis (asked now) plus those waiting in memory; on a Redis error the last known length is used. */
  async count(): Promise<number> {
    const ticket = this.replies.ticket();
    try {
      const length = await this.redis.llen(this.key);
      await this.replies.apply(ticket, () => {
        this.mirror.learn(length);
        this.lengthIs(length);
      });
    } catch (error) {
      await this.replies.apply(ticket, () => this.fail(error));
    }
    return this.size();
  }

  /** Synchronous estimate: the Redis list as last seen plus what waits in memory. */
  size(): number {
    return this.storedLength + this.memory.length + this.inFlight;
  }

  /**
   * Up to `count` entries at `offset` (as for read()): from memory when this process pushed the whole head, else
   * read from Redis. Undefined when Redis failed.
   */
  async page(epoch: string, offset: number, count: number): Promise<OutboxPage | undefined> {
    return this.mirror.page(epoch, offset, count) ?? (await this.read(offset, count, epoch));
  }

  /**
   * Up to `count` entries from `offset` of the list's head, read from Redis. Pass the epoch of an earlier page to keep
   * reading where it left off although the bound trimmed the head meanwhile (and `offset` less what was removed
   * since with that epoch). Undefined when Redis failed.
   */
  async read(offset: number, count: number, epoch = ''): Promise<OutboxPage | undefined> {
    try {
      const [at, entries] = await this.redis.snowplowOutboxRead(this.key, this.trimmedKey, epoch, offset, count);
      return { epoch: String(at), entries };
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /**
   * Removes the first `count` entries read at `epoch`, minus those the bound trimmed since (never an unread one);
   * returns how many it removed (0 when Redis failed).
   */
  async remove(epoch: string, count: number): Promise<number> {
    const ticket = this.replies.ticket();
    try {
      const [length, removed] = await this.redis.snowplowOutboxRemove(this.key, this.trimmedKey, epoch, count);
      return await this.replies.apply(ticket, () => {
        this.mirror.removed(removed, length);
        this.lengthIs(length);
        return removed;
      });
    } catch (error) {
      // The events stay in the list and are sent again: at-least-once.
      await this.replies.apply(ticket, () => this.fail(error));
      return 0;
    }
  }

  /** Every entry in Redis then those waiting in memory, oldest first (for tests and inspection). */
  async all(): Promise<string[]> {
    let stored: string[] = [];
    try {
      stored = await this.redis.lrange(this.key, 0, -1);
    } catch (error) {
      this.fail(error);
    }
    return [...stored, ...this.memory];
  }

  /**
   * Resolves once the write in progress (or one started now for what waits in memory) reached Redis: false if it
   * failed. Unlike whenWritten() it does not wait for events added meanwhile, so a sender can go on with what is stored.
   */
  async writable(): Promise<boolean> {
    if (!this.writing && this.memory.length > 0) this.startWrite();
    return this.writing ? await this.writing : true;
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

  get stats(): SnowplowOutboxStats {
    return { ...this.counts, size: this.size() };
  }

  /** Counts an entry the caller could not use (not a payload fragment). */
  countError(error: unknown): void {
    this.counts.errors++;
    this.report(error);
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

  private async push(batch: string[]): Promise<boolean> {
    const ticket = this.replies.ticket();
    try {
      const [length, trimmed, trimCounter] = await this.pushAndTrim(batch);
      await this.replies.apply(ticket, () => {
        this.mirror.pushed(batch, trimmed.length, trimCounter, length);
        this.lengthIs(length);
      });
      this.counts.written += batch.length;
      if (trimmed.length > 0) this.drop(trimmed, 'outbox-full');
      return true;
    } catch (error) {
      // The push may still have happened (reply lost): retrying can store an event twice, never zero times.
      await this.replies.apply(ticket, () => this.fail(error));
      this.memory.unshift(...batch);
      this.enforceMemoryBound();
      return false;
    }
  }

  /**
   * Pushes `batch` and trims the list to the bound: a plain RPUSH when the list has room for it as last seen (the
   * usual case, cheaper for Redis), else the push+trim script. [length after, the trimmed head, the trim counter].
   */
  private async pushAndTrim(batch: string[]): Promise<[number, string[], string]> {
    if (!this.lengthKnown || this.storedLength + batch.length > this.maxEvents) {
      return this.redis.snowplowOutboxPush(this.key, this.trimmedKey, this.maxEvents, ...batch);
    }
    const [length, trimCounter] = await pushFitting(this.redis, this.key, this.trimmedKey, batch);
    if (length <= this.maxEvents) return [length, [], trimCounter];
    // Another writer grew the list meanwhile (a previous process still closing): trim it as the script would have.
    // Commands in between saw a longer list than the mirror knows, so it is learnt again.
    this.mirror.forget();
    return this.redis.snowplowOutboxTrim(this.key, this.trimmedKey, this.maxEvents);
  }

  private enforceMemoryBound(): void {
    const excess = this.memory.length - this.maxMemoryEvents;
    if (excess > 0) this.drop(this.memory.splice(0, excess), 'memory-full');
  }

  private drop(fragments: string[], reason: DropReason): void {
    this.counts.dropped += fragments.length;
    this.onDrop(fragments, reason);
  }

  /** A reply stated the list's length (the mirror is told by the caller, with what else the reply said). */
  private lengthIs(length: number): void {
    this.storedLength = length;
    this.lengthKnown = true;
  }

  /** A Redis command failed (it may still have run): the mirror is learnt again from the next length. */
  private fail(error: unknown): void {
    this.mirror.forget();
    this.lengthKnown = false;
    this.counts.errors++;
    this.report(error);
  }
}
