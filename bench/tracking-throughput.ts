// Benchmark: the tracking path's three figures side by side in one run — Redis's PFADD ceiling, the rate callers of
// track() get (flag on for half the namespaces), Snowplow events delivered per second end to end — and the rate
// @snowplow/node-tracker alone builds events at, all on the same machine in the same run; prints a Markdown row a round.
// Run with `npx tsx bench/tracking-throughput.ts [events, default 200000] [percent of namespaces with the flag on,
// default 50] [rounds, default 3]`; it starts its own redis-server, and the collector in a process of its own, on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import Redis from 'ioredis';
import { loadConfig } from '../config/load-config';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { startRedisServer } from '../stack/redis-server';
import { startTrackingPath, type TrackingPath } from '../tracking/start-tracking-path';
import { DEFAULT_EVENT_MIX, eventSampler } from '../traffic/event-mix';
import { namespaceName } from '../traffic/traffic-generator';
import { startCollectorProcess } from './collector-process';
import { measureTrackerAlone, threadCpuSeconds, type TrackerCost } from './snowplow-tracker-cost';

const FLAG = 'route_hll_to_snowplow_phase3';
const EVENTS = Number(process.argv[2] ?? 200_000);
/** Percentage of actors the flag is on for; the issue's figure is with half the namespaces (50). */
const ENABLED_PERCENT = Number(process.argv[3] ?? 50);
/** Rounds of the three measurements, one after the other in the same processes; each is reported, then the medians. */
const ROUNDS = Math.max(1, Number(process.argv[4] ?? 3));
const NAMESPACES = 2_000;
const USERS = 50_000;
const CHUNK = 2_000; // events per event-loop turn, so Redis replies and HTTP responses are handled in between
const WARM_UP_EVENTS = 20_000;
const GOALS = { trackVsCeiling: 0.5, deliveredVsTrackerAlone: 0.8 };

interface RunFigures {
  /** CPU seconds during the timed run: this process (caller and Snowplow thread), the collector, redis-server. */
  cpu: { tracker: number; collector: number; redis: number };
  /** CPU seconds of the main thread (the caller's) while the track() calls ran, and during the whole run. */
  mainThreadCpu: { calls: number; run: number };
  /** CPU seconds of the busiest thread besides the main one: the Snowplow thread. */
  snowplowThreadCpu: number;
  acceptedSeconds: number;
  deliveredSeconds: number;
  drained: boolean;
  routed: number;
  requests: number;
  dropped: number;
}

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  const collector = await startCollectorProcess();
  const admin = new Redis(redisServer.url);
  const rounds: Round[] = [];
  try {
    await admin.flushall();
    // By default half the namespaces: percentage of actors 50 on production, as in the middle of a ramp.
    await new RedisFlagStore(admin).apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: ENABLED_PERCENT });
    const config = loadConfig({ REDIS_URL: redisServer.url, SNOWPLOW_COLLECTOR_URL: collector.url, TRACKING_INSTANCE_ID: 'bench' });
    // Bench-sized queues: every event must fit, so nothing is dropped and the run measures delivery, not loss.
    const path = await startTrackingPath(config, { maxQueuedEvents: EVENTS, maxEvents: EVENTS, maxMemoryEvents: EVENTS, flushIntervalMs: 50 });
    try {
      // Warm-up: the payload thread and the JIT get going, as in a process that has been serving for a while.
      await trackAll(path, WARM_UP_EVENTS);
      await path.tracker.flush({ timeoutMs: 60_000 });
      for (let round = 0; round < ROUNDS; round++) {
        const load = [os.loadavg()[0] ?? 0];
        // The three figures of a round are taken one after the other, so none of them shares the CPU with another.
        const ceiling = pfaddCeiling(redisServer.port);
        const alone = measureTrackerAlone(Math.max(20_000, Math.round(EVENTS / 4)));
        await collector.reset();
        load.push(os.loadavg()[0] ?? 0);
        const run = await timedRun(path, () => ({ tracker: processCpuSeconds(), collector: childCpuSeconds(collector.pid), redis: redisCpuSeconds(redisServer.port) }));
        load.push(os.loadavg()[0] ?? 0);
        rounds.push({ load, ceiling, alone, run, received: await collector.counts() });
      }
    } finally {
      await path.close();
    }
  } finally {
    admin.disconnect();
    await collector.stop();
    await redisServer.stop();
  }
  report(rounds);
}

interface Round {
  load: number[];
  ceiling: number;
  alone: TrackerCost;
  run: RunFigures;
  received: { good: number; bad: number };
}

function report(rounds: Round[]): void {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const ratios = rounds.map(({ ceiling, alone, run }) => ({ track: EVENTS / run.acceptedSeconds / ceiling, delivered: run.routed / run.deliveredSeconds / alone.eventsPerSecond }));
  rounds.forEach(({ load, ceiling, alone, run, received }, index) => {
    const perRouted = (s: number) => (run.routed > 0 ? ((1e6 * s) / run.routed).toFixed(1) : 'n/a');
    const { track, delivered } = ratios[index]!;
    const rows: [string, string][] = [
      ['load average (1 min): start, run, end', load.map((l) => l.toFixed(2)).join(', ')],
      ['PFADD ceiling (redis-benchmark -P 16)', `${fmt(ceiling)} PFADD/s`],
      ['node-tracker alone (track(), no store)', `${fmt(alone.eventsPerSecond)} events/s (${alone.events} events; ${((1e6 * alone.cpuSeconds) / alone.events).toFixed(1)} µs of CPU each)`],
      ['events tracked', `${EVENTS} (${NAMESPACES} namespaces, ${USERS} users, ${run.routed} routed to Snowplow = ${((100 * run.routed) / EVENTS).toFixed(1)} %)`],
      ['track() calls accepted', `${fmt(EVENTS / run.acceptedSeconds)} events/s (${run.acceptedSeconds.toFixed(2)} s) = ${track.toFixed(2)} of the ceiling (goal ≥ ${GOALS.trackVsCeiling})`],
      ['Snowplow delivered end to end', `${fmt(run.routed / run.deliveredSeconds)} events/s (${run.deliveredSeconds.toFixed(2)} s, drained: ${run.drained}) = ${delivered.toFixed(2)} of node-tracker alone (goal ≥ ${GOALS.deliveredVsTrackerAlone})`],
      ['all events end to end (HLL + Snowplow)', `${fmt(EVENTS / run.deliveredSeconds)} events/s`],
      ['at the collector', `${received.good} good of ${run.routed} routed, ${received.bad} bad, ${run.requests} requests, ${run.dropped} dropped`],
      [
        'main thread (the caller) on CPU',
        `${run.mainThreadCpu.calls.toFixed(2)} s while track() was called (${((1e6 * run.mainThreadCpu.calls) / EVENTS).toFixed(2)} µs per call), ${run.mainThreadCpu.run.toFixed(2)} s in the whole run`,
      ],
      [
        'CPU during the run (µs per routed event)',
        [
          ...Object.entries(run.cpu).map(([part, s]) => `${part} process ${s.toFixed(2)} s (${perRouted(s)})`),
          `of which the Snowplow thread ${run.snowplowThreadCpu.toFixed(2)} s (${perRouted(run.snowplowThreadCpu)})`,
          `other threads (V8's GC and compiler helpers, libuv) ${(run.cpu.tracker - run.mainThreadCpu.run - run.snowplowThreadCpu).toFixed(2)} s (${perRouted(run.cpu.tracker - run.mainThreadCpu.run - run.snowplowThreadCpu)})`,
        ].join(', '),
      ],
    ];
    console.log(`\nround ${index + 1} of ${rounds.length}`);
    for (const [k, v] of rows) console.log(`${k.padEnd(40)} ${v}`);
  });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const routed = rounds.some(({ run }) => run.routed > 0);
  const deliveredMedian = routed ? `, Snowplow delivered ${median(ratios.map((r) => r.delivered)).toFixed(2)} of node-tracker alone` : ' (nothing routed to Snowplow)';
  console.log(`\nmedian of ${rounds.length} rounds: track() ${median(ratios.map((r) => r.track)).toFixed(2)} of the ceiling${deliveredMedian}`);
  console.log('\n| date | round | load avg (1 min) start / run / end | PFADD ceiling | `track()` accepted | ÷ ceiling | node-tracker alone | Snowplow delivered end to end | ÷ tracker alone | good / routed, bad, dropped |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---|');
  rounds.forEach(({ load, ceiling, alone, run, received }, index) => {
    const { track, delivered } = ratios[index]!;
    console.log(
      `| ${new Date().toISOString().slice(0, 10)} | ${index + 1} | ${load.map((l) => l.toFixed(1)).join(' / ')} | ${fmt(ceiling)}/s | ${fmt(EVENTS / run.acceptedSeconds)}/s | **${track.toFixed(2)}** | ` +
        `${fmt(alone.eventsPerSecond)}/s | ${run.routed > 0 ? `${fmt(run.routed / run.deliveredSeconds)}/s | **${delivered.toFixed(2)}**` : '— | —'} | ${received.good} / ${run.routed}, ${received.bad}, ${run.dropped} |`,
    );
  });
}

/** EVENTS track() calls, CHUNK per event-loop turn; "delivered" is when the HLL buffer is written and the outbox drained. */
async function timedRun(path: TrackingPath, cpu: () => RunFigures['cpu']): Promise<RunFigures> {
  const before = path.tracker.stats();
  const cpuBefore = cpu();
  const threadsBefore = threadCpuSecondsByTid();
  const mainBefore = threadCpuSeconds();
  const started = process.hrtime.bigint();
  await trackAll(path, EVENTS);
  const acceptedSeconds = seconds(started);
  const mainAfterCalls = threadCpuSeconds();
  const drained = await path.tracker.flush({ timeoutMs: 600_000 });
  const deliveredSeconds = seconds(started);
  const after = path.tracker.stats();
  const cpuAfter = cpu();
  const threadsAfter = threadCpuSecondsByTid();
  let snowplowThreadCpu = 0;
  for (const [tid, seconds] of threadsAfter) if (tid !== process.pid) snowplowThreadCpu = Math.max(snowplowThreadCpu, seconds - (threadsBefore.get(tid) ?? 0));
  return {
    cpu: { tracker: cpuAfter.tracker - cpuBefore.tracker, collector: cpuAfter.collector - cpuBefore.collector, redis: cpuAfter.redis - cpuBefore.redis },
    mainThreadCpu: { calls: mainAfterCalls - mainBefore, run: threadCpuSeconds() - mainBefore },
    snowplowThreadCpu,
    acceptedSeconds,
    deliveredSeconds,
    drained,
    routed: after.routed - before.routed,
    requests: after.snowplow.requests - before.snowplow.requests,
    dropped: after.snowplow.dropped - before.snowplow.dropped,
  };
}

const nextEvent = eventSampler(DEFAULT_EVENT_MIX);
const contexts = Array.from({ length: 10_000 }, (_, i) => ({
  user: `user-${(i * 7919) % USERS}`,
  namespace: namespaceName(i % NAMESPACES),
  env: 'production' as const,
}));

async function trackAll(path: TrackingPath, events: number): Promise<void> {
  for (let sent = 0; sent < events; ) {
    const end = Math.min(events, sent + CHUNK);
    for (; sent < end; sent++) path.tracker.track(nextEvent(), contexts[sent % contexts.length]!);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The same Redis's PFADD ceiling: 16 commands pipelined per connection, redis-benchmark's default 50 clients, one
 * value per PFADD into an HLL key like ours. (Redis 7's `-t` has no pfadd test, so the command is given explicitly.)
 */
function pfaddCeiling(port: number): number {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-P', '16', '-n', String(Math.max(200_000, EVENTS * 10)), '-r', '1000000', '-q'];
  const out = execFileSync('redis-benchmark', [...args, 'PFADD', '{hll_counters}_bench-2026-48', 'user:__rand_int__'], { encoding: 'utf8' });
  const match = /: ([\d.]+) requests per second/.exec(out.split('\r').pop() ?? '');
  if (!match?.[1]) throw new Error(`could not read redis-benchmark output: ${out}`);
  return Number(match[1]);
}

function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** utime + stime of another process from /proc (Linux), in seconds. */
function childCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** utime + stime of each thread of this process (Linux), in seconds, by thread id. */
function threadCpuSecondsByTid(): Map<number, number> {
  const byTid = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) byTid.set(Number(tid), statCpuSeconds(`/proc/${process.pid}/task/${tid}/stat`));
  return byTid;
}

function statCpuSeconds(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function redisCpuSeconds(port: number): number {
  const info = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'cpu'], { encoding: 'utf8' });
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
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
