// Sends HLL events to Snowplow without costing the caller: the Snowplow thread builds, stores and delivers them, and
// the outcomes it reports are written to the flag's counters here.
import type { RedisClient } from '../redis/redis-client';
import { SnowplowCounterWriter } from './snowplow-counter-writer';
import { withTimeout, type SnowplowDeliverySettings } from './snowplow-delivery';
import type { PayloadBuilderOptions } from './snowplow-payload-builder';
import { SnowplowThread } from './snowplow-thread';
import { redisConnectionOf } from './thread-redis-connection';

export interface SnowplowSenderOptions extends PayloadBuilderOptions, SnowplowDeliverySettings {
  /** The counters are written with this client; the Snowplow thread opens its own connection with its options. */
  redis: RedisClient;
  /** The flag the events are sent behind: names the counters. */
  flag: string;
  /** Events waiting for the Snowplow thread at most; past it events are dropped and counted. Default 100,000. */
  maxQueuedEvents?: number;
  /**
   * Nice value of the Snowplow thread on Linux (0–19). Default 0: the process's priority. Above 0 the callers of
   * track() win the CPU when it is short, but so does every other busy process on the host: under sustained load the
   * thread then falls behind until the outbox bound drops events (docs/benchmarks.md: at nice 10, next to two busy
   * processes, delivery fell to 0.17 of node-tracker alone). Set it only where the host has CPU to spare.
   */
  threadNice?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

export interface SnowplowSenderStats {
  /** Events waiting: for the Snowplow thread, in its memory, or in the Redis outbox (as last seen). */
  queued: number;
  /** Of those, events the thread has not built yet. */
  building: number;
  /** Events the collector accepted. */
  sent: number;
  /** Requests that failed (refused, timed out or non-2xx). */
  failedAttempts: number;
  /**
   * Events lost: the thread's queue full (or the thread failed), the outbox bound, the memory bound while Redis failed,
   * or refused by the collector for good.
   */
  dropped: number;
  /** Of those, events refused because the thread's queue was full. */
  droppedQueueFull: number;
  /** Requests made to the collector. */
  requests: number;
  storeErrors: number;
  counterErrors: number;
}

export class SnowplowSender {
  private readonly thread: SnowplowThread;
  private readonly counters: SnowplowCounterWriter;

  constructor(options: SnowplowSenderOptions) {
    const now = options.now ?? (() => new Date());
    this.counters = new SnowplowCounterWriter({ redis: options.redis, flag: options.flag, onError: options.onError });
    this.thread = new SnowplowThread({
      data: {
        builder: { category: options.category, trackerNamespace: options.trackerNamespace, appId: options.appId },
        delivery: {
          collectorUrl: options.collectorUrl,
          instanceId: options.instanceId,
          maxEvents: options.maxEvents,
          maxMemoryEvents: options.maxMemoryEvents,
          maxMirrorEvents: options.maxMirrorEvents,
          maxPostBytes: options.maxPostBytes,
          flushIntervalMs: options.flushIntervalMs,
          maxBackoffMs: options.maxBackoffMs,
          connectionTimeoutMs: options.connectionTimeoutMs,
          concurrentRequests: options.concurrentRequests,
        },
        redis: redisConnectionOf(options.redis),
        nice: options.threadNice ?? 0,
      },
      maxQueuedEvents: options.maxQueuedEvents,
      onOutcome: (kind, counts) => this.counters.record(kind, counts, now()),
      onError: options.onError,
    });
  }

  /** Queues one HLL event for Snowplow; never throws, never waits (it is built on the Snowplow thread). */
  send(event: string): void {
    this.thread.enqueue(event, Date.now());
  }

  /** Resolves true once the Snowplow thread runs (false if it could not start); events sent before wait for it. */
  ready(): Promise<boolean> {
    return this.thread.ready();
  }

  /** Sends until the outbox is empty or `timeoutMs` has passed; true when it is empty (and counted). Never rejects. */
  async flush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const drained = await this.thread.flush(options.timeoutMs ?? 10_000);
    if (!drained) return false;
    await this.counters.flush();
    return true;
  }

  /**
   * Stops sending; with timeoutMs > 0 (default 2 s) first tries to send what is queued. Whatever is still queued is
   * built and written to Redis (a few seconds at most) for the next process with this instanceId. Never rejects.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.thread.close(options.timeoutMs ?? 2000);
    // Counter writes wait for Redis; one that is down must not hold close().
    await withTimeout(this.counters.flush(), 3000);
    this.counters.close();
  }

  stats(): SnowplowSenderStats {
    const { queued, building, sent, failedAttempts, dropped, droppedQueueFull, requests, storeErrors } = this.thread.stats();
    return { queued, building, sent, failedAttempts, dropped, droppedQueueFull, requests, storeErrors, counterErrors: this.counters.stats.errors };
  }
}
