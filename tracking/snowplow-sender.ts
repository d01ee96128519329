// Sends HLL events to Snowplow from a durable Redis outbox, on a timer with exponential backoff, and counts the outcome.
import type Redis from 'ioredis';
import { buildStructEvent, newTracker, type EventBatch, type Payload, type RequestFailure, type Tracker } from '@snowplow/node-tracker';
import { RedisEventStore, type DropReason } from './redis-event-store';
import { SnowplowCounterWriter, type CounterKind } from './snowplow-counter-writer';

/** The context the monolith attaches to HLL events routed to Snowplow. */
export const SERVICE_PING_CONTEXT_SCHEMA = 'iglu:com.gitlab/gitlab_service_ping/jsonschema/1-0-0';

export interface SnowplowSenderOptions {
  redis: Redis;
  /** The flag the events are sent behind: names the counters. */
  flag: string;
  /** Collector base URL, e.g. http://localhost:9090 (the emitter appends /com.snowplowanalytics.snowplow/tp2). */
  collectorUrl: string;
  /** Names the outbox; a restarted process with the same id sends what the previous one left. */
  instanceId: string;
  /** Structured event category. Default `Gitlab::UsageDataCounters::HLLRedisCounter`, the class that counts HLL events. */
  category?: string;
  /** Tracker namespace (`tna`). Default `gl`, GitLab's. */
  trackerNamespace?: string;
  /** Application id (`aid`). Default `gitlab`. */
  appId?: string;
  /** Outbox bound in Redis (see RedisEventStore). Default 100,000. */
  maxEvents?: number;
  /** Events held in memory while Redis fails. Default 10,000. */
  maxMemoryEvents?: number;
  /** Largest POST body; larger batches are split. Default 500,000 bytes. */
  maxPostBytes?: number;
  /** Flush period while the outbox is not empty. Default 500 ms. */
  flushIntervalMs?: number;
  /** Longest wait after failed requests (doubling from flushIntervalMs, with jitter). Default 30 s. */
  maxBackoffMs?: number;
  /** Request timeout. Default 5 s. */
  connectionTimeoutMs?: number;
  customFetch?: (input: Request, options?: RequestInit) => Promise<Response>;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

export interface SnowplowSenderStats {
  /** Events waiting: in the Redis outbox (as last seen) or in memory. */
  queued: number;
  /** Events the collector accepted. */
  sent: number;
  /** Requests that failed (refused, timed out or non-2xx). */
  failedAttempts: number;
  /** Events lost: the outbox bound, the memory bound while Redis failed, or refused by the collector for good. */
  dropped: number;
  /** Requests made to the collector. */
  requests: number;
  storeErrors: number;
  counterErrors: number;
}

type FlushOutcome = 'drained' | 'failed' | 'progress';

export class SnowplowSender {
  readonly store: RedisEventStore;
  private readonly tracker: Tracker;
  private readonly counters: SnowplowCounterWriter;
  private readonly category: string;
  private readonly flushIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => Date;
  private readonly onError?: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<FlushOutcome> | undefined;
  private consecutiveFailures = 0;
  private closed = false;
  private readonly counts = { sent: 0, failedAttempts: 0, dropped: 0, requests: 0, errors: 0 };

  constructor(options: SnowplowSenderOptions) {
    this.category = options.category ?? 'Gitlab::UsageDataCounters::HLLRedisCounter';
    this.flushIntervalMs = options.flushIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError;
    this.counters = new SnowplowCounterWriter({ redis: options.redis, flag: options.flag, onError: options.onError });
    this.store = new RedisEventStore({
      redis: options.redis,
      instanceId: options.instanceId,
      maxEvents: options.maxEvents,
      maxMemoryEvents: options.maxMemoryEvents,
      onDrop: (payloads: Payload[], _reason: DropReason) => this.lost(payloads),
      onError: options.onError,
    });
    const fetchImpl = options.customFetch ?? fetch;
    this.tracker = newTracker(
      { namespace: options.trackerNamespace ?? 'gl', appId: options.appId ?? 'gitlab', encodeBase64: false },
      {
        endpoint: options.collectorUrl,
        eventStore: this.store,
        // The emitter must never flush on its own (it would retry without backoff): only our loop flushes.
        bufferSize: Number.MAX_SAFE_INTEGER,
        maxPostBytes: options.maxPostBytes ?? 500_000,
        connectionTimeout: options.connectionTimeoutMs ?? 5000,
        customFetch: (input, init) => {
          this.counts.requests++;
          return fetchImpl(input, init);
        },
        onRequestSuccess: (batch) => this.succeeded(batch),
        onRequestFailure: (failure) => this.failed(failure),
      },
    );
    // Learn what a previous process with this instanceId left in the outbox.
    void this.store.count();
    this.schedule(this.flushIntervalMs);
  }

  /** Queues one HLL event for Snowplow; never throws, never waits for the network. */
  send(event: string): void {
    try {
      this.tracker.track(buildStructEvent({ category: this.category, action: event, property: event }), [
        { schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event } },
      ]);
    } catch (error) {
      this.counts.errors++;
      this.report(error);
    }
  }

  /** Sends until the outbox is empty or `timeoutMs` has passed; true when it is empty. Never rejects. */
  async flush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      // A hanging collector holds a request up to connectionTimeoutMs: do not wait past the deadline for it.
      const outcome = await withTimeout(this.flushOnce(), deadline - Date.now());
      if (outcome === 'drained' && this.store.size() === 0) {
        await this.counters.flush();
        return true;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      if (outcome === 'failed') await sleep(Math.min(this.backoffDelay(), remaining));
    }
  }

  /** Stops the loop; with timeoutMs > 0 (default 2 s) first tries to send what is queued. Never rejects. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 2000;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (timeoutMs > 0) await this.flush({ timeoutMs });
    // Let a request in flight finish and be counted; whatever is still queued must at least reach Redis, where the
    // next process with this instanceId finds it.
    const settle = async () => {
      await this.current;
      await sleep(0);
      await Promise.all([this.store.close(), this.counters.flush()]);
    };
    await withTimeout(settle(), 3000);
    this.counters.close();
  }

  stats(): SnowplowSenderStats {
    const { sent, failedAttempts, dropped, requests } = this.counts;
    return {
      queued: this.store.size(),
      sent,
      failedAttempts,
      dropped,
      requests,
      storeErrors: this.store.stats.errors,
      counterErrors: this.counters.stats.errors + this.counts.errors,
    };
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // Queued events are in Redis: the loop must not keep an otherwise finished process alive.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const outcome = this.store.size() > 0 ? await this.flushOnce() : 'drained';
    this.schedule(outcome === 'failed' ? this.backoffDelay() : this.flushIntervalMs);
  }

  /** One emitter flush at a time: the emitter returns at once when a flush is already running. */
  private flushOnce(): Promise<FlushOutcome> {
    this.current ??= this.runFlush().finally(() => (this.current = undefined));
    return this.current;
  }

  private async runFlush(): Promise<FlushOutcome> {
    try {
      // Redis failing: nothing can be read or counted, so wait like after a failed request.
      if (!(await this.store.whenWritten())) {
        this.consecutiveFailures++;
        return 'failed';
      }
      const before = { ...this.counts };
      await this.tracker.flush();
      // The emitter reports outcomes from setTimeout(0) callbacks: let those run before reading the counts.
      await sleep(0);
      if (this.counts.failedAttempts > before.failedAttempts && this.counts.sent === before.sent) {
        this.consecutiveFailures++;
        return 'failed';
      }
      this.consecutiveFailures = 0;
      // Nothing was there to send: correct a stale idea of the outbox length rather than spin on it.
      if (this.counts.requests === before.requests) await this.store.count();
      return this.store.size() === 0 ? 'drained' : 'progress';
    } catch (error) {
      this.counts.errors++;
      this.report(error);
      this.consecutiveFailures++;
      return 'failed';
    }
  }

  /** Doubling from flushIntervalMs up to maxBackoffMs, with "equal jitter" so restarted senders do not retry in step. */
  private backoffDelay(): number {
    const ceiling = Math.min(this.maxBackoffMs, this.flushIntervalMs * 2 ** Math.max(0, this.consecutiveFailures));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private succeeded(batch: EventBatch): void {
    this.counts.sent += batch.length;
    this.counters.record('sent', countByEvent(batch), this.now());
  }

  private failed(failure: RequestFailure): void {
    this.counts.failedAttempts++;
    const counts = countByEvent(failure.events);
    this.record('failed', counts);
    if (!failure.willRetry) {
      this.counts.dropped += failure.events.length;
      this.record('dropped', counts);
    }
  }

  private lost(payloads: Payload[]): void {
    this.counts.dropped += payloads.length;
    this.record('dropped', countByEvent(payloads));
  }

  private record(kind: CounterKind, counts: ReadonlyMap<string, number>): void {
    this.counters.record(kind, counts, this.now());
  }

  private report(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // A throwing callback must not escape into the caller's request.
    }
  }
}

/** Events per structured-event action (`se_ac`, the HLL event name). */
export function countByEvent(payloads: readonly Payload[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const payload of payloads) {
    const event = typeof payload.se_ac === 'string' && payload.se_ac !== '' ? payload.se_ac : 'unknown';
    counts.set(event, (counts.get(event) ?? 0) + 1);
  }
  return counts;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise's value, or undefined after `ms`; the promise must not reject. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
