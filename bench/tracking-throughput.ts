// Benchmark: events/s through track() (flag on for half the namespaces) against redis-benchmark's PFADD ceiling.
// Run with `npx tsx bench/tracking-throughput.ts [events] [percent of namespaces with the flag on, default 50]`; it starts its own redis-server and collector on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import Redis from 'ioredis';
import { loadConfig } from '../config/load-config';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { startCollectorServer } from '../stack/collector-server';
import { startRedisServer } from '../stack/redis-server';
import { startTrackingPath } from '../tracking/start-tracking-path';
import { DEFAULT_EVENT_MIX, eventSampler } from '../traffic/event-mix';
import { namespaceName } from '../traffic/traffic-generator';

const FLAG = 'route_hll_to_snowplow_phase3';
const EVENTS = Number(process.argv[2] ?? 200_000);
/** Percentage of actors the flag is on for; the figure is with half the namespaces (50). */
const ENABLED_PERCENT = Number(process.argv[3] ?? 50);
const NAMESPACES = 2_000;
const USERS = 50_000;
const CHUNK = 2_000; // events per event-loop turn, so Redis replies and HTTP responses are handled in between
const TARGET_RATIO = 0.5;

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  const collector = await startCollectorServer();
  const admin = new Redis(redisServer.url);
  try {
    const ceiling = pfaddCeiling(redisServer.port);
    await admin.flushall();

    // By default half the namespaces: percentage of actors 50 on production, as in the middle of a ramp.
    await new RedisFlagStore(admin).apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: ENABLED_PERCENT });
    const config = loadConfig({ REDIS_URL: redisServer.url, SNOWPLOW_COLLECTOR_URL: collector.url, TRACKING_INSTANCE_ID: 'bench' });
    // Bench-sized outbox: every event must fit, so nothing is dropped and the run measures delivery, not loss.
    const path = await startTrackingPath(config, { maxEvents: EVENTS, maxMemoryEvents: EVENTS, flushIntervalMs: 50 });
    const nextEvent = eventSampler(DEFAULT_EVENT_MIX);
    const contexts = Array.from({ length: 10_000 }, (_, i) => ({
      user: `user-${(i * 7919) % USERS}`,
      namespace: namespaceName(i % NAMESPACES),
      env: 'production' as const,
    }));

    const started = process.hrtime.bigint();
    for (let sent = 0; sent < EVENTS; ) {
      const end = Math.min(EVENTS, sent + CHUNK);
      for (; sent < end; sent++) path.tracker.track(nextEvent(), contexts[sent % contexts.length]!);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const accepted = seconds(started);
    const drained = await path.tracker.flush({ timeoutMs: 300_000 });
    const delivered = seconds(started);
    const stats = path.tracker.stats();
    await path.close();

    const e2eRate = EVENTS / delivered;
    const rows: [string, string][] = [
      ['machine', `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`],
      ['redis-benchmark -P 16 -t pfadd (ceiling)', `${fmt(ceiling)} PFADD/s`],
      ['events tracked', `${EVENTS} (${NAMESPACES} namespaces, ${USERS} users, flag on for ${((100 * stats.routed) / stats.tracked).toFixed(1)} %)`],
      ['track() calls accepted', `${fmt(EVENTS / accepted)} events/s (${accepted.toFixed(2)} s)`],
      ['end to end (HLL written, Snowplow delivered)', `${fmt(e2eRate)} events/s (${delivered.toFixed(2)} s, outbox drained: ${drained})`],
      ['delivered to the collector', `${collector.events().length} of ${stats.routed} routed, ${stats.snowplow.requests} requests, ${stats.snowplow.dropped} dropped`],
      ['ratio end to end / ceiling', `${(e2eRate / ceiling).toFixed(2)} (target ≥ ${TARGET_RATIO})`],
      ['ratio accepted / ceiling', `${(EVENTS / accepted / ceiling).toFixed(2)}`],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(46)} ${v}`);
  } finally {
    admin.disconnect();
    await collector.stop();
    await redisServer.stop();
  }
}

/**
 * The same Redis's PFADD ceiling: 16 commands pipelined per connection, redis-benchmark's default 50 clients, one
 * value per PFADD into an HLL key like ours. (Redis 7's `-t` has no pfadd test, so the command is given explicitly.)
 */
function pfaddCeiling(port: number): number {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-P', '16', '-n', '2000000', '-r', '1000000', '-q'];
  const out = execFileSync('redis-benchmark', [...args, 'PFADD', '{hll_counters}_bench-2026-48', 'user:__rand_int__'], { encoding: 'utf8' });
  const match = /: ([\d.]+) requests per second/.exec(out.split('\r').pop() ?? '');
  if (!match?.[1]) throw new Error(`could not read redis-benchmark output: ${out}`);
  return Number(match[1]);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
