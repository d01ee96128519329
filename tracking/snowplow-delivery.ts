// Delivers payload fragments from the Redis outbox to the collector: a timed flush loop with backoff and jitter,
// batches by concatenation, every outcome reported per event name. Runs on the Snowplow thread.
import type { RedisClient } from '../redis/redis-client';
import { collectorPoster, type CollectorOutcome, type CollectorPoster } from './collector-request';
import { countByEvent, ENVELOPE_BYTES, fragmentOfEntry } from './snowplow-batch';
import { guarded, safeReporter } from './safe-callback';
import { SnowplowOutbox } from './snowplow-outbox';

/** The settings of delivery; plain data, so they can be handed to the Snowplow thread. */
export interface SnowplowDeliverySettings {
  /** Collector base URL, e.g. http://localhost:9090 (batches go to <url>/com.snowplowanalytics.snowplow/tp2). */
  collectorUrl: string;
  /** Names the outbox; a restarted process with the same id sends what the previous one left. */
  instanceId: string;
  /** Outbox bound in Redis (see SnowplowOutbox). Default 100,000. */
  maxEvents?: number;
  /** Events held in memory while Redis fails. Default 10,000. */
  maxMemoryEvents?: number;
  /** Pushed events kept in memory to be sent without reading them back (see OutboxMirror). Default 20,000. */
  maxMirrorEvents?: number;
  /** Largest POST body; larger batches are split. Default 500,000 bytes. */
  maxPostBytes?: number;
  /** Flush period while the outbox is not empty. Default 500 ms. */
  flushIntervalMs?: number;
  /** Longest wait after failed requests (doubling from flushIntervalMs, with jitter). Default 30 s. */
  maxBackoffMs?: number;
  /** Request timeout. Default 5 s. */
  connectionTimeoutMs?: number;
  /** Requests in flight at once while the collector accepts them (one after a failure). Default 2. */
  concurrentRequests?: number;
}

/** What the counters record: events accepted, events in failed requests (retried), events lost. */
export type OutcomeKind = 'sent' | 'failed' | 'dropped';

export interface SnowplowDeliveryOptions extends SnowplowDeliverySettings {
  redis: RedisClient;
  /** Told every outcome, per event name (`se_ac`). */
  onOutcome: (kind: OutcomeKind, counts: ReadonlyMap<string, number>) => void;
  onError?: (error: unknown) => void;
}

export interface SnowplowDeliveryStats {
  /** Events in memory or in the Redis outbox (as last seen). */
  queued: number;
  sent: number;
  failedAttempts: number;
  dropped: number;
  requests: number;
  storeErrors: number;
}

type FlushOutcome = 'drained' | 'failed' | 'progress';

/** Entries read per request at first; then as many as fit maxPostBytes at the sizes seen. */
const FIRST_PAGE = 1000;
const MAX_PAGE = 10_000;

export class SnowplowDelivery {
  readonly store: SnowplowOutbox;
  private readonly poster: CollectorPoster;
  private readonly outcome: (kind: OutcomeKind, counts: ReadonlyMap<string, number>) => void;
  private readonly report: (error: unknown) => void;
  private readonly maxPostBytes: number;
  private readonly flushIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly concurrentRequests: number;
  private pageSize = FIRST_PAGE;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<FlushOutcome> | undefined;
  private consecutiveFailures = 0;
  private closed = false;
  private readonly counts = { sent: 0, failedAttempts: 0, dropped: 0, requests: 0 };

  constructor(options: SnowplowDeliveryOptions) {
    this.maxPostBytes = options.maxPostBytes ?? 500_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.concurrentRequests = Math.max(1, options.concurrentRequests ?? 2);
    this.report = safeReporter(options.onError);
    this.outcome = guarded(options.onOutcome, this.report);
    this.store = new SnowplowOutbox({
      redis: options.redis,
      instanceId: options.instanceId,
      maxEvents: options.maxEvents,
      maxMemoryEvents: options.maxMemoryEvents,
      maxMirrorEvents: options.maxMirrorEvents,
      onDrop: (fragments) => this.lost(countByEvent(fragments)),
      onError: options.onError,
    });
    this.poster = collectorPoster(options);
    // Learn what a previous process with this instanceId left in the outbox.
    void this.store.count();
    this.schedule(this.flushIntervalMs);
  }

  /** Queues built events; a full request's worth starts a flush at once, unless requests are failing. Never throws. */
  add(fragments: string[]): void {
    this.store.add(fragments);
    if (!this.closed && !this.current && this.consecutiveFailures === 0 && this.store.size() >= this.pageSize) void this.flushOnce();
  }

  /** Events that will never be sent (e.g. failed to build): counted as dropped. */
  lost(counts: ReadonlyMap<string, number>): void {
    if (counts.size === 0) return;
    for (const n of counts.values()) this.counts.dropped += n;
    this.outcome('dropped', counts);
  }

  /** Sends until the outbox is empty or `timeoutMs` has passed; true when it is empty. Never rejects. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A hanging collector holds a request up to connectionTimeoutMs: do not wait past the deadline for it.
      const outcome = await withTimeout(this.flushOnce(), deadline - Date.now());
      if (outcome === 'drained' && this.store.size() === 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      if (outcome === 'failed') await sleep(Math.min(this.backoffDelay(), remaining));
    }
  }

  /**
   * Stops the loop; with timeoutMs > 0 first tries to send what is queued. What waits in memory is written to Redis
   * (a few seconds at most) for the next process with this instanceId. Never rejects.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (timeoutMs > 0) await this.flush(timeoutMs);
    // Let a request in flight finish and be counted.
    const settle = async () => {
      await this.current;
      await this.store.close();
    };
    await withTimeout(settle(), 3000);
    this.poster.close();
  }

  stats(): SnowplowDeliveryStats {
    return { ...this.counts, queued: this.store.size(), storeErrors: this.store.stats.errors };
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // Queued events are in Redis: the loop must not keep an otherwise finished thread alive.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const outcome = this.store.size() > 0 ? await this.flushOnce() : 'drained';
    this.schedule(outcome === 'failed' ? this.backoffDelay() : this.flushIntervalMs);
  }

  /** One flush at a time: callers during a flush share it. */
  private flushOnce(): Promise<FlushOutcome> {
    this.current ??= this.runFlush().finally(() => (this.current = undefined));
    return this.current;
  }

  private async runFlush(): Promise<FlushOutcome> {
    try {
      // Redis failing: nothing can be read or counted, so wait like after a failed request.
      if (!(await this.store.writable())) {
        this.consecutiveFailures++;
        return 'failed';
      }
      const before = { ...this.counts };
      const readable = await this.sendAll();
      if (!readable || (this.counts.failedAttempts > before.failedAttempts && this.counts.sent === before.sent)) {
        this.consecutiveFailures++;
        return 'failed';
      }
      this.consecutiveFailures = 0;
      // Nothing was there to send: correct a stale idea of the outbox length rather than spin on it.
      if (this.counts.requests === before.requests) await this.store.count();
      return this.store.size() === 0 ? 'drained' : 'progress';
    } catch (error) {
      this.report(error);
      this.consecutiveFailures++;
      return 'failed';
    }
  }

  /**
   * Sends the outbox from its head until it is empty or a request fails; false if Redis failed. Up to
   * `concurrentRequests` requests are in flight (the next batch is on its way while the collector reads one), and
   * they are settled in order: the head is removed only up to the last of an unbroken run of accepted batches.
   * Positions are counted from the head at the first read (`epoch`), `removed` is what this run took off since.
   */
  private async sendAll(): Promise<boolean> {
    const inFlight: Array<{ end: number; fragments: string[]; outcome: Promise<CollectorOutcome> }> = [];
    let epoch = '';
    let next = 0;
    let removed = 0;
    let readable = true;
    let reading = true;
    for (;;) {
      const limit = this.consecutiveFailures === 0 ? this.concurrentRequests : 1;
      while (reading && inFlight.length < limit) {
        const page = await this.store.page(epoch, next - removed, this.pageSize);
        if (!page || page.entries.length === 0) {
          readable = page !== undefined;
          reading = false;
          break;
        }
        epoch = page.epoch;
        const { taken, fragments, bytes } = this.fill(page.entries);
        next += taken;
        if (fragments.length > 0) this.pageSize = Math.max(1, Math.min(MAX_PAGE, Math.floor(((this.maxPostBytes - ENVELOPE_BYTES) * fragments.length) / bytes)));
        inFlight.push({ end: next, fragments, outcome: fragments.length > 0 ? this.post(fragments) : Promise.resolve({ kind: 'sent' }) });
      }
      const oldest = inFlight.shift();
      if (!oldest) return readable;
      const outcome = await oldest.outcome;
      this.settle(oldest.fragments, outcome);
      if (outcome.kind === 'failed') {
        // What was sent after it was accepted (and is counted) but stays in the outbox behind it: sent again later.
        for (const later of inFlight.splice(0)) this.settle(later.fragments, await later.outcome);
        return readable;
      }
      removed += await this.store.remove(epoch, oldest.end - removed);
      // Refused for good: removed and counted lost; as tracker-core does, nothing more is sent this time.
      if (outcome.kind === 'refused') reading = false;
    }
  }

  /** The head entries that fit one POST (at least one), as fragments; entries that are not events are counted and skipped. */
  private fill(entries: readonly string[]): { taken: number; fragments: string[]; bytes: number } {
    const fragments: string[] = [];
    let bytes = 0;
    let taken = 0;
    for (const entry of entries) {
      const fragment = fragmentOfEntry(entry);
      const size = fragment === undefined ? 0 : Buffer.byteLength(fragment) + 1;
      if (fragments.length > 0 && ENVELOPE_BYTES + bytes + size > this.maxPostBytes) break;
      taken++;
      if (fragment === undefined) {
        this.store.countError(new Error(`Snowplow outbox ${this.store.key}: an entry is not an event payload, removed: ${entry.slice(0, 80)}`));
        this.lost(new Map([['unknown', 1]]));
        continue;
      }
      fragments.push(fragment);
      bytes += size;
    }
    return { taken, fragments, bytes };
  }

  private post(fragments: string[]): Promise<CollectorOutcome> {
    this.counts.requests++;
    return this.poster.post(fragments);
  }

  /** Counts a request's outcome per event. */
  private settle(fragments: string[], outcome: CollectorOutcome): void {
    if (fragments.length === 0) return;
    const counts = countByEvent(fragments);
    if (outcome.kind === 'sent') {
      this.counts.sent += fragments.length;
      this.outcome('sent', counts);
      return;
    }
    this.counts.failedAttempts++;
    this.outcome('failed', counts);
    if (outcome.kind === 'refused') this.lost(counts);
    this.report(new Error(outcome.kind === 'refused' ? `Snowplow collector refused ${fragments.length} event(s) for good with status ${outcome.status}; they are dropped` : outcome.reason));
  }

  /** Doubling from flushIntervalMs up to maxBackoffMs, with "equal jitter" so restarted senders do not retry in step. */
  private backoffDelay(): number {
    const ceiling = Math.min(this.maxBackoffMs, this.flushIntervalMs * 2 ** Math.max(0, this.consecutiveFailures));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise's value, or undefined after `ms`; the promise must not reject. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
