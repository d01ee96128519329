// The Snowplow thread's events waiting to be built: built in slices, so that the thread's own I/O (outbox pushes,
// collector requests and their answers) runs in between instead of after a whole backlog.

/** Events posted to the thread in one message: ids into the event names sent so far, and when each was tracked. */
export interface EventsToBuild {
  seq: number;
  /** New event names, continuing the list of names earlier messages brought. */
  names: string[];
  ids: Uint32Array;
  times: Float64Array;
  count: number;
}

export interface BuildQueueOptions {
  /** One event's payload fragment; throws when it cannot be built. */
  build: (event: string, trackedAtMs: number) => string;
  /** Fragments built in one slice, and the events per name that failed to build (with the first error). */
  onBuilt: (fragments: string[], failed: ReadonlyMap<string, number>, firstError: unknown) => void;
  /** Every event of message `seq` has been built (or failed to). */
  onDone: (seq: number, count: number) => void;
  /** Events built per slice at most (one slice per event-loop turn). Default 500. */
  sliceEvents?: number;
}

/**
 * Messages are taken as they come (a message handler only queues); setImmediate slices build them. Node hands a
 * thread every queued message in one go, so building in the handler would hold back the thread's I/O — the answers of
 * the collector and Redis — until a whole burst was built.
 */
export class SnowplowBuildQueue {
  private readonly options: BuildQueueOptions;
  private readonly sliceEvents: number;
  private readonly names: string[] = [];
  private readonly messages: EventsToBuild[] = [];
  /** Events of messages[0] already built. */
  private done = 0;
  private queued = 0;
  private scheduled = false;
  private waiters: Array<() => void> = [];

  constructor(options: BuildQueueOptions) {
    this.options = options;
    this.sliceEvents = Math.max(1, options.sliceEvents ?? 500);
  }

  /** Events queued and not built yet. */
  get size(): number {
    return this.queued;
  }

  add(message: EventsToBuild): void {
    for (const name of message.names) this.names.push(name);
    if (message.count <= 0) {
      this.options.onDone(message.seq, 0);
      return;
    }
    this.messages.push(message);
    this.queued += message.count;
    this.schedule();
  }

  /** Builds everything queued now, in this turn (before the thread closes). */
  buildAll(): void {
    while (this.queued > 0) this.slice(Number.POSITIVE_INFINITY);
    this.settled();
  }

  /** Resolves once nothing waits to be built (what comes meanwhile included). */
  drained(): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice(this.sliceEvents);
      if (this.queued > 0) this.schedule();
      else this.settled();
    });
  }

  /** Builds up to `max` events from the head of the queue and hands them on, then acknowledges finished messages. */
  private slice(max: number): void {
    const fragments: string[] = [];
    const failed = new Map<string, number>();
    const finished: EventsToBuild[] = [];
    let firstError: unknown;
    let left = max;
    while (left > 0 && this.messages.length > 0) {
      const message = this.messages[0]!;
      const end = Math.min(message.count, this.done + left);
      for (let i = this.done; i < end; i++) {
        const name = this.names[message.ids[i] ?? -1] ?? 'unknown';
        try {
          fragments.push(this.options.build(name, message.times[i] ?? Date.now()));
        } catch (error) {
          firstError ??= error;
          failed.set(name, (failed.get(name) ?? 0) + 1);
        }
      }
      left -= end - this.done;
      this.queued -= end - this.done;
      this.done = end;
      if (this.done < message.count) break;
      finished.push(this.messages.shift()!);
      this.done = 0;
    }
    // Handed on before the messages count as built: the caller's count of what waits never misses an event.
    if (fragments.length > 0 || failed.size > 0) this.options.onBuilt(fragments, failed, firstError);
    for (const message of finished) this.options.onDone(message.seq, message.count);
  }

  private settled(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
