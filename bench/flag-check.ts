// Benchmark: FlagCache.isEnabled from memory against a Redis round trip per check, and change propagation time.
// Run with `npx tsx bench/flag-check.ts`; it starts (and stops) its own redis-server on a free 127.0.0.1 port.
import os from 'node:os';
import Redis from 'ioredis';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { startRedisServer, type RunningRedis } from '../stack/redis-server';
import { FlagCache } from '../tracking/flag-cache';

const FLAG = 'route_hll_to_snowplow_phase3';
const CACHE_CHECKS = 2_000_000;
const REDIS_CHECKS = 20_000;
const STORE_CHECKS = 5_000;
const CHANGES = 50;
const NAMESPACES = 50_000;
const PERCENTAGE = 25;
const TARGET_RATIO = 50;
/** The whole run must end well within this, or the benchmark fails rather than hangs. */
const TIME_LIMIT_MS = 120_000;

interface Row {
  what: string;
  count: number;
  seconds: number;
}

/** Kept so the time limit can stop the server before exiting: a spawned redis-server outlives its parent. */
let server: RunningRedis | undefined;

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  server = redisServer;
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const redis = new Redis(redisServer.url);
    connections.push(redis);
    return redis;
  };
  let cache: FlagCache | undefined;
  try {
    const writer = new RedisFlagStore(connect()); // "the rollout worker": another connection, as another process
    const listeners: (() => void)[] = [];
    cache = new FlagCache({
      store: new RedisFlagStore(connect()),
      subscriber: connect(),
      onUpdate: () => listeners.splice(0).forEach((wake) => wake()),
    });
    // Production as during a ramp: a few actor gates and a percentage of actors.
    await writer.apply(FLAG, 'production', { kind: 'actors', actors: ['group:gitlab-org', 'group:gitlab-com', 'project:gitlab-org/gitlab'] });
    await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: PERCENTAGE });
    await cache.start([{ flag: FLAG, environments: ['dev', 'staging', 'staging-ref', 'production'] }]);

    const cacheRow = checkCache(cache);
    const redisRow = await checkRedisGet(connect());
    const storeRow = await checkStoreGet(new RedisFlagStore(connect()));
    const propagation = await measurePropagation(cache, writer, listeners);
    report([cacheRow, redisRow, storeRow], propagation, cache.reloadErrors);
  } finally {
    await cache?.stop();
    await Promise.all(connections.map((redis) => redis.quit()));
    await redisServer.stop();
    server = undefined;
  }
}

/** (a) In-memory checks; actors `group:ns-<i>` are built beforehand so string building is not measured. */
function checkCache(cache: FlagCache): Row {
  const actors = Array.from({ length: NAMESPACES }, (_, i) => `group:ns-${i}`);
  actors[7] = 'group:gitlab-org'; // a few actors with their own gate, as in the real mix
  let enabled = 0;
  for (let i = 0; i < 200_000; i++) if (cache.isEnabled(FLAG, 'production', actors[i % NAMESPACES])) enabled++; // warm-up (JIT)
  enabled = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < CACHE_CHECKS; i++) if (cache.isEnabled(FLAG, 'production', actors[i % NAMESPACES])) enabled++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const share = (100 * enabled) / CACHE_CHECKS;
  if (Math.abs(share - PERCENTAGE) > 2) throw new Error(`expected about ${PERCENTAGE}% enabled, got ${share.toFixed(2)}%`);
  return { what: `FlagCache.isEnabled (${share.toFixed(1)}% enabled)`, count: CACHE_CHECKS, seconds };
}

/** (b) What a check costs when it asks Redis every time: one GET, awaited before the next. */
async function checkRedisGet(redis: Redis): Promise<Row> {
  await redis.set('bench:flag', 'true');
  for (let i = 0; i < 1_000; i++) await redis.get('bench:flag'); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < REDIS_CHECKS; i++) await redis.get('bench:flag');
  return { what: 'Redis GET round trip (sequential awaits)', count: REDIS_CHECKS, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** For reference: reading the flag's gates from the store (MULTI SISMEMBER + HGETALL) on every check. */
async function checkStoreGet(store: RedisFlagStore): Promise<Row> {
  for (let i = 0; i < 500; i++) await store.get(FLAG, 'production'); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < STORE_CHECKS; i++) await store.get(FLAG, 'production');
  return { what: 'RedisFlagStore.get per check (reference)', count: STORE_CHECKS, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * (c) For each change: the time from `apply` resolving on the writer's connection to the cache answering the new
 * gates (0 when the cache was already there). Detected in onUpdate, so there is no polling granularity.
 */
async function measurePropagation(cache: FlagCache, writer: RedisFlagStore, listeners: (() => void)[]): Promise<number[]> {
  const samples: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const actor = `group:bench-${k}`; // outside the percentage is irrelevant: an actor gate always opens
    let seenAt: number | undefined;
    const seen = new Promise<void>((resolve) => {
      const check = (): void => {
        if (cache.isEnabled(FLAG, 'production', actor)) {
          seenAt = performance.now();
          resolve();
        } else listeners.push(check);
      };
      listeners.push(check);
    });
    await writer.apply(FLAG, 'production', { kind: 'actors', actors: [actor] });
    const appliedAt = performance.now();
    await withTimeout(seen, 5_000, `change ${k} did not reach the cache within 5 s`);
    samples.push(Math.max(0, (seenAt ?? appliedAt) - appliedAt));
    await new Promise((resolve) => setTimeout(resolve, 5)); // independent samples, not one burst
  }
  return samples;
}

function report(rows: Row[], propagation: number[], reloadErrors: number): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log('');
  console.log('| what | checks | time | checks/s | per check |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) {
    const rate = row.count / row.seconds;
    console.log(`| ${row.what} | ${row.count.toLocaleString('en')} | ${row.seconds.toFixed(3)} s | ${Math.round(rate).toLocaleString('en')} | ${formatDuration(row.seconds / row.count)} |`);
  }
  const [cacheRow, redisRow] = rows;
  if (cacheRow && redisRow) {
    const ratio = cacheRow.count / cacheRow.seconds / (redisRow.count / redisRow.seconds);
    console.log('');
    console.log(`ratio cache / Redis GET: ${ratio.toFixed(0)}× (target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'})`);
  }
  const sorted = [...propagation].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  console.log(
    `propagation over ${sorted.length} changes (apply resolved → cache answers): ` +
      `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${at(1).toFixed(2)} ms; reload errors ${reloadErrors}`,
  );
}

function formatDuration(seconds: number): string {
  return seconds < 1e-6 ? `${(seconds * 1e9).toFixed(0)} ns` : `${(seconds * 1e6).toFixed(1)} µs`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const deadline = setTimeout(() => {
  console.error(`flag-check benchmark: still running after ${TIME_LIMIT_MS / 1000} s, giving up`);
  void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}, TIME_LIMIT_MS);
deadline.unref();

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
