// The Snowplow thread: builds payloads for the event descriptors SnowplowThread posts, keeps them in the Redis outbox
// and delivers them, reporting outcomes and stats back. Its messages (both ways) are defined here.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SnowplowDelivery, withTimeout, type OutcomeKind, type SnowplowDeliverySettings, type SnowplowDeliveryStats } from './snowplow-delivery';
import { SnowplowBuildQueue, type EventsToBuild } from './snowplow-build-queue';
import { createPayloadBuilder, type PayloadBuilderOptions } from './snowplow-payload-builder';
import { niceThisThread } from './thread-priority';
import { connectRedis, type RedisConnectionData } from './thread-redis-connection';

/** What the thread is started with. */
export interface SnowplowThreadData {
  builder: PayloadBuilderOptions;
  delivery: SnowplowDeliverySettings;
  redis: RedisConnectionData;
  /** The thread's nice value (Linux): above 0, callers of track() win the CPU when it is short. */
  nice: number;
}

export type ToSnowplowThread =
  /** Events to build: ids into the names sent so far (`names` are new ones, continuing the list) and when each was tracked. */
  | ({ kind: 'events' } & EventsToBuild)
  /** Send until the outbox is empty or `deadline` (epoch ms: the caller's time counts) has passed; answered with `done`. */
  | { kind: 'flush'; id: number; deadline: number }
  /** Flush until `deadline`, write what is left to Redis, disconnect; answered with `done`. */
  | { kind: 'close'; id: number; deadline: number };

export type FromSnowplowThread = (
  /** Started: connected (or connecting) to Redis, the builder loaded. */
  | { kind: 'ready' }
  | { kind: 'built'; seq: number; count: number }
  | { kind: 'outcome'; outcome: OutcomeKind; counts: Array<[string, number]> }
  | { kind: 'done'; id: number; drained: boolean }
  | { kind: 'error'; message: string }
) & { stats: SnowplowDeliveryStats };

function startSnowplowThread(data: SnowplowThreadData, port: MessagePort): void {
  niceThisThread(data.nice);
  const send = (message: DistributiveOmit<FromSnowplowThread, 'stats'>) => port.postMessage({ ...message, stats: delivery.stats() });
  const report = (error: unknown) => send({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  const redis = connectRedis(data.redis);
  // Connection problems are reported once each until Redis is ready again (never as "Unhandled error event").
  let lastProblem: string | undefined;
  redis.on('error', (error: Error) => {
    if (error.message !== lastProblem) report(new Error(`Snowplow thread's Redis connection: ${error.message}`));
    lastProblem = error.message;
  });
  redis.on('ready', () => (lastProblem = undefined));
  const delivery = new SnowplowDelivery({
    ...data.delivery,
    redis,
    onOutcome: (outcome, counts) => send({ kind: 'outcome', outcome, counts: [...counts] }),
    onError: report,
  });
  const queue = new SnowplowBuildQueue({
    build: createPayloadBuilder(data.builder),
    onBuilt: (fragments, failed, firstError) => {
      delivery.add(fragments);
      if (failed.size === 0) return;
      delivery.lost(failed);
      let count = 0;
      for (const n of failed.values()) count += n;
      report(new Error(`Snowplow payloads: ${count} event(s) failed to build and are dropped: ${firstError instanceof Error ? firstError.message : String(firstError)}`));
    },
    onDone: (seq, count) => send({ kind: 'built', seq, count }),
  });

  send({ kind: 'ready' });
  port.on('message', (message: ToSnowplowThread) => {
    switch (message.kind) {
      case 'events':
        queue.add(message);
        return;
      case 'flush':
        // What is queued is built first (its slices and the sending take turns), all within the deadline.
        void withTimeout(queue.drained(), message.deadline - Date.now())
          .then(() => delivery.flush(message.deadline - Date.now()))
          .then((drained) => send({ kind: 'done', id: message.id, drained: drained && queue.size === 0 }));
        return;
      case 'close':
        queue.buildAll();
        void delivery.close(message.deadline - Date.now()).then(async () => {
          // QUIT waits for Redis; one that is down must not hold the thread's end.
          await withTimeout(redis.quit().catch(() => undefined), 1000);
          redis.disconnect();
          send({ kind: 'done', id: message.id, drained: delivery.stats().queued === 0 });
        });
        return;
    }
  });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

if (!isMainThread && parentPort) startSnowplowThread(workerData as SnowplowThreadData, parentPort);
