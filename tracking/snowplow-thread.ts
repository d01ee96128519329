// The caller's side of the Snowplow thread: a bounded queue of compact event descriptors, flush/close requests, and
// the thread's stats and outcomes as they arrive.
//
// enqueue() costs the caller two typed-array writes; what is enqueued in one event-loop turn goes to the thread as one
// message. Past `maxQueuedEvents` waiting or being built, events are refused and reported lost, like the events a
// failed thread took down with it. A failed thread is replaced (no sooner than a second later); the outbox it left in
// Redis is the new one's.
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { guarded, safeReporter } from './safe-callback';
import type { OutcomeKind, SnowplowDeliveryStats } from './snowplow-delivery';
import type { FromSnowplowThread, SnowplowThreadData, ToSnowplowThread } from './snowplow-thread-main';

export interface SnowplowThreadOptions {
  data: SnowplowThreadData;
  /** Events enqueued and not built yet, at most; past it enqueue() refuses them. Default 100,000. */
  maxQueuedEvents?: number;
  /** Events per message to the thread at most. Default 4,096. */
  maxBatchEvents?: number;
  /** Told every outcome per event name: the thread's, and events lost on this side (queue full, thread failed). */
  onOutcome: (kind: OutcomeKind, counts: ReadonlyMap<string, number>) => void;
  onError?: (error: unknown) => void;
}

export interface SnowplowThreadStats extends SnowplowDeliveryStats {
  /** Events enqueued that the thread has not built yet (also in `queued`). */
  building: number;
  /** Events refused because the queue was full (also in `dropped`). */
  droppedQueueFull: number;
  /** Threads started (more than one after a thread failed). */
  threads: number;
}

/** Events enqueued this turn, in arrays reused from turn to turn; what is posted is a copy of the used part. */
interface Batch {
  ids: Uint32Array;
  times: Float64Array;
  count: number;
}

// Running from TypeScript sources (tsx, jest): the thread registers tsx before loading its module.
const TSX_ENTRY = "require('tsx/cjs'); require(require('node:worker_threads').workerData.entry);";
const RESTART_DELAY_MS = 1000;
/** The thread stops a flush this long before the caller's deadline, so that its answer is back by then. */
const ANSWER_MARGIN_MS = 50;
const NO_STATS: SnowplowDeliveryStats = { queued: 0, sent: 0, failedAttempts: 0, dropped: 0, requests: 0, storeErrors: 0 };
/** Stats that add up over the threads a process had (a replaced thread's counts are kept). */
const CUMULATIVE = ['sent', 'failedAttempts', 'dropped', 'requests', 'storeErrors'] as const;

export class SnowplowThread {
  private readonly data: SnowplowThreadData;
  private readonly maxQueuedEvents: number;
  private readonly maxBatchEvents: number;
  private readonly outcome: (kind: OutcomeKind, counts: ReadonlyMap<string, number>) => void;
  private readonly report: (error: unknown) => void;
  private worker: Worker | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private readonly names = new Map<string, number>();
  private readonly nameList: string[] = [];
  private namesSent = 0;
  private batch: Batch;
  private postScheduled = false;
  private seq = 0;
  private readonly inFlight = new Map<number, Batch>();
  private pending = 0;
  private refusedNow = new Map<string, number>();
  private requestId = 0;
  private readonly requests = new Map<number, (drained: boolean) => void>();
  private threadStats: SnowplowDeliveryStats = NO_STATS;
  private started: Promise<boolean> = Promise.resolve(false);
  private startedNow: (ready: boolean) => void = () => undefined;
  private readonly previousThreads: SnowplowDeliveryStats = { ...NO_STATS };
  private closed = false;
  private readonly counts = { droppedHere: 0, droppedQueueFull: 0, threads: 0 };

  constructor(options: SnowplowThreadOptions) {
    this.data = options.data;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 100_000;
    this.maxBatchEvents = options.maxBatchEvents ?? 4096;
    this.report = safeReporter(options.onError);
    this.outcome = guarded(options.onOutcome, this.report);
    this.batch = this.newBatch();
    // Started now, not with the first event: its start-up must not delay the first events.
    this.running();
  }

  /** Queues one event for the thread; refused (and counted lost) when the queue is full or closed. Never throws. */
  enqueue(event: string, trackedAtMs: number): void {
    if (this.closed || this.pending >= this.maxQueuedEvents) {
      this.counts.droppedQueueFull++;
      // Reported once per turn: an overloaded caller must not pay for a report per event.
      addCount(this.refusedNow, event, 1);
      this.schedulePost();
      return;
    }
    let id = this.names.get(event);
    if (id === undefined) {
      id = this.nameList.length;
      this.names.set(event, id);
      this.nameList.push(event);
    }
    const batch = this.batch;
    batch.ids[batch.count] = id;
    batch.times[batch.count] = trackedAtMs;
    batch.count++;
    this.pending++;
    if (batch.count >= this.maxBatchEvents) this.post();
    else this.schedulePost();
  }

  /** Builds what is enqueued and sends until the outbox is empty or `timeoutMs` passed; true when all was sent. */
  async flush(timeoutMs: number): Promise<boolean> {
    this.post();
    const drained = await this.request('flush', timeoutMs, timeoutMs);
    return drained && this.pending === 0;
  }

  /** Flushes for up to `timeoutMs`, has the thread write what is left to Redis, and stops it; later events are refused. */
  async close(timeoutMs: number): Promise<void> {
    this.post();
    this.closed = true;
    // Past the flush, the thread writes what is left to Redis: a few seconds at most.
    await this.request('close', timeoutMs, timeoutMs + 8000);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.threadFailed(undefined);
  }

  /** Resolves true once the thread runs (false if it failed to start): its start-up takes a moment, more from sources. */
  ready(): Promise<boolean> {
    return this.started;
  }

  stats(): SnowplowThreadStats {
    const stats = { ...this.threadStats };
    for (const key of CUMULATIVE) stats[key] += this.previousThreads[key];
    return {
      ...stats,
      queued: stats.queued + this.pending,
      dropped: stats.dropped + this.counts.droppedHere + this.counts.droppedQueueFull,
      building: this.pending,
      droppedQueueFull: this.counts.droppedQueueFull,
      threads: this.counts.threads,
    };
  }

  private newBatch(): Batch {
    return { ids: new Uint32Array(this.maxBatchEvents), times: new Float64Array(this.maxBatchEvents), count: 0 };
  }

  private schedulePost(): void {
    if (this.postScheduled) return;
    this.postScheduled = true;
    setImmediate(() => this.post());
  }

  private post(): void {
    this.postScheduled = false;
    if (this.refusedNow.size > 0) {
      const refused = this.refusedNow;
      this.refusedNow = new Map();
      this.outcome('dropped', refused);
    }
    const { count } = this.batch;
    if (count === 0) return;
    // Copies of just the used part: a turn with one event must not post (or allocate) a whole batch's arrays.
    const batch: Batch = { ids: this.batch.ids.slice(0, count), times: this.batch.times.slice(0, count), count };
    this.batch.count = 0;
    const worker = this.running();
    if (!worker) {
      this.lose([batch]);
      return;
    }
    const seq = ++this.seq;
    this.inFlight.set(seq, batch);
    const names = this.nameList.slice(this.namesSent);
    this.namesSent = this.nameList.length;
    this.send(worker, { kind: 'events', seq, names, ids: batch.ids, times: batch.times, count });
  }

  private request(kind: 'flush' | 'close', timeoutMs: number, waitMs: number): Promise<boolean> {
    const worker = this.running();
    if (!worker) return Promise.resolve(false);
    const id = ++this.requestId;
    return new Promise<boolean>((resolve) => {
      // The thread answers within timeoutMs (plus its own clean-up); a thread that hangs must not hang the caller.
      const timer = setTimeout(() => this.answer(id, false), Math.max(0, waitMs));
      this.requests.set(id, (drained) => {
        clearTimeout(timer);
        resolve(drained);
      });
      this.send(worker, { kind, id, deadline: Date.now() + Math.max(0, timeoutMs - ANSWER_MARGIN_MS) });
    });
  }

  private send(worker: Worker, message: ToSnowplowThread): void {
    worker.ref();
    worker.postMessage(message);
  }

  /** The thread, started when there is none; undefined after close() and during a failed thread's restart delay. */
  private running(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.closed || Date.now() - this.failedAt < RESTART_DELAY_MS) return undefined;
    try {
      const entry = join(__dirname, `snowplow-thread-main${extname(__filename)}`);
      const worker = entry.endsWith('.ts')
        ? new Worker(TSX_ENTRY, { eval: true, workerData: { ...this.data, entry } })
        : new Worker(entry, { workerData: this.data });
      worker.on('message', (message: FromSnowplowThread) => this.received(message));
      worker.on('error', (error) => this.threadFailed(worker, error));
      worker.on('exit', (code) => this.threadFailed(worker, new Error(`the Snowplow thread exited with code ${code}`)));
      worker.unref();
      this.started = new Promise<boolean>((resolve) => (this.startedNow = resolve));
      this.worker = worker;
      this.namesSent = 0;
      this.threadStats = NO_STATS;
      this.counts.threads++;
      return worker;
    } catch (error) {
      this.failedAt = Date.now();
      this.report(error);
      return undefined;
    }
  }

  private received(message: FromSnowplowThread): void {
    this.threadStats = message.stats;
    switch (message.kind) {
      case 'ready':
        this.startedNow(true);
        break;
      case 'built': {
        if (this.inFlight.delete(message.seq)) this.pending -= message.count;
        break;
      }
      case 'outcome':
        this.outcome(message.outcome, new Map(message.counts));
        break;
      case 'done':
        this.answer(message.id, message.drained);
        break;
      case 'error':
        this.report(new Error(message.message));
        break;
    }
    this.idleCheck();
  }

  private answer(id: number, drained: boolean): void {
    const resolve = this.requests.get(id);
    this.requests.delete(id);
    resolve?.(drained);
    this.idleCheck();
  }

  /** A thread that failed (or was stopped): what it had not built is lost, its counts are kept, requests end. */
  private threadFailed(worker: Worker | undefined, error?: unknown): void {
    if (worker && worker !== this.worker) return;
    if (worker) {
      this.worker = undefined;
      this.failedAt = Date.now();
      this.report(error);
    }
    this.startedNow(false);
    for (const key of CUMULATIVE) this.previousThreads[key] += this.threadStats[key];
    this.threadStats = { ...NO_STATS, queued: this.threadStats.queued };
    const batches = [...this.inFlight.values()];
    this.inFlight.clear();
    this.lose(batches);
    for (const id of [...this.requests.keys()]) this.answer(id, false);
  }

  /** Batches that will never be built: every event in them is counted as dropped. */
  private lose(batches: Batch[]): void {
    const lost = new Map<string, number>();
    for (const batch of batches) {
      for (let i = 0; i < batch.count; i++) addCount(lost, this.nameList[batch.ids[i] ?? -1] ?? 'unknown', 1);
      this.pending -= batch.count;
      this.counts.droppedHere += batch.count;
    }
    if (lost.size > 0) this.outcome('dropped', lost);
  }

  /** The thread must not keep the process alive when nothing is asked of it. */
  private idleCheck(): void {
    if (this.pending === 0 && this.requests.size === 0) this.worker?.unref();
  }

}

function addCount(counts: Map<string, number>, name: string, n: number): void {
  counts.set(name, (counts.get(name) ?? 0) + n);
}
