// Benchmark: many rollouts waiting at a gate across several worker processes: RSS per worker, status latency, start rate.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { startRedisServer } from '../stack/redis-server';
import { startTemporalDevServer } from '../stack/temporal-dev-server';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from '../test/support/worker-process';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import * as messages from '../workflows/messages';
import { rolloutWorkflowId } from '../workflows/rollout-status';
import { PENDING_GATE } from '../workflows/search-attributes';

const run = promisify(execFile);
const TASK_QUEUE = 'many-rollouts';
const MIB = 1024 * 1024;
/** The goals of issue 9: each worker under 1 GiB RSS, status p95 under 100 ms. */
const RSS_GOAL_MIB = 1024;
const STATUS_P95_GOAL_MS = 100;

const USAGE = `usage: npx tsx bench/many-rollouts.ts [--count 10000] [--workers 2] [--cache N] [--heap MiB] [--concurrency 50] [--queries 500] [--approve 20] [--db FILE]
  --cache   WORKER_MAX_CACHED_WORKFLOWS of each worker (default: the SDK's, from the heap limit)
  --heap    node --max-old-space-size of each worker, in MiB (default: Node's)
  --db      keep the dev server's SQLite in FILE (default: in memory)`;

interface Options {
  count: number;
  workers: number;
  cache: number | null;
  heap: number | null;
  concurrency: number;
  queries: number;
  approve: number;
  db: string | null;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '2' },
      cache: { type: 'string' },
      heap: { type: 'string' },
      concurrency: { type: 'string', default: '50' },
      queries: { type: 'string', default: '500' },
      approve: { type: 'string', default: '20' },
      db: { type: 'string' },
    },
  });
  const whole = (name: string, text: string | undefined, min: number): number | null => {
    if (text === undefined) return null;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${text}"\n${USAGE}`);
    return value;
  };
  return {
    count: whole('count', values.count, 1)!,
    workers: whole('workers', values.workers, 1)!,
    cache: whole('cache', values.cache, 0),
    heap: whole('heap', values.heap, 64),
    concurrency: whole('concurrency', values.concurrency, 1)!,
    queries: whole('queries', values.queries, 1)!,
    approve: whole('approve', values.approve, 0)!,
    db: values.db ?? null,
  };
}

const flagOf = (i: number) => `bench_many_${String(i).padStart(5, '0')}`;

/** Runs `task` for 0..count-1 with at most `concurrency` at a time. */
async function bounded(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function loadAverage(): Promise<string> {
  return (await run('uptime')).stdout.trim().replace(/^.*load average: /, '');
}

/** RSS of the dev server process listening on `port` (found with ps; read-only). */
async function devServerRssMiB(port: string): Promise<number | null> {
  const { stdout } = await run('ps', ['-eo', 'pid=,rss=,args=']);
  const line = stdout.split('\n').find((l) => l.includes('start-dev') && l.includes(`--port ${port}`));
  return line ? Number(line.trim().split(/\s+/)[1]) / 1024 : null;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installQuietRuntime();
  const loadBefore = await loadAverage();
  console.log(`load average before: ${loadBefore}`);
  const redis = await startRedisServer();
  const devServer = await startTemporalDevServer({ dbFilename: options.db ?? undefined });
  const workers: WorkerProcess[] = [];
  const connection = await Connection.connect({ address: devServer.address });
  try {
    const client = new Client({ connection });
    const rollouts = new RolloutClient(client, TASK_QUEUE, 60_000);
    const env = {
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      REDIS_URL: redis.url,
      ...(options.cache === null ? {} : { WORKER_MAX_CACHED_WORKFLOWS: String(options.cache) }),
    };
    const nodeOptions = options.heap === null ? [] : [`--max-old-space-size=${options.heap}`];
    for (let i = 0; i < options.workers; i++) workers.push(startWorkerProcess({ env, nodeOptions }));
    await Promise.all(workers.map((worker) => waitUntilPolling(client, TASK_QUEUE, worker)));
    const idleRss = workers.map((w) => w.rssBytes() / MIB);
    console.log(`${options.workers} workers polling (cache ${options.cache ?? 'SDK default'}, heap ${options.heap ?? 'default'}); idle RSS ${idleRss.map((r) => r.toFixed(0)).join(', ')} MiB`);

    // Start every rollout (a keyless plan that stops at staging-qa after the non-production step).
    const started = performance.now();
    let failedStarts = 0;
    await bounded(options.count, options.concurrency, async (i) => {
      await rollouts.start(parsePlan({ flag: flagOf(i), requester: 'carol', signing: { mode: 'keyless' } })).catch((err: unknown) => {
        failedStarts++;
        if (failedStarts <= 3) console.error(`start of ${flagOf(i)} failed: ${String(err)}`);
      });
      if ((i + 1) % 1000 === 0) console.log(`  started ${i + 1}`);
    });
    const startSeconds = (performance.now() - started) / 1000;
    console.log(`started ${options.count - failedStarts} rollouts in ${startSeconds.toFixed(1)} s (${((options.count - failedStarts) / startSeconds).toFixed(0)}/s)`);

    // Wait until visibility says every one waits at staging-qa, sampling each worker's RSS.
    const waitingQuery = `${PENDING_GATE.name} = "staging-qa"`;
    const peakRss = workers.map(() => 0);
    let waiting = 0;
    for (let lastPrint = 0; ; ) {
      waiting = (await client.workflow.count(waitingQuery)).count;
      workers.forEach((w, i) => (peakRss[i] = Math.max(peakRss[i]!, w.rssBytes() / MIB)));
      if (waiting >= options.count - failedStarts) break;
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed - lastPrint >= 30) {
        console.log(`  ${waiting} waiting after ${elapsed.toFixed(0)} s; RSS ${workers.map((w) => (w.rssBytes() / MIB).toFixed(0)).join(', ')} MiB`);
        lastPrint = elapsed;
      }
      if (elapsed > 3600) throw new Error(`only ${waiting} of ${options.count} rollouts reached staging-qa within an hour`);
      await new Promise((done) => setTimeout(done, 2000));
    }
    const allWaitingSeconds = (performance.now() - started) / 1000;
    console.log(`all ${waiting} waiting at staging-qa ${allWaitingSeconds.toFixed(1)} s after the first start`);
    await new Promise((done) => setTimeout(done, 5000)); // let the last tasks settle before measuring memory
    const rss = workers.map((w) => w.rssBytes() / MIB);
    const cpu = workers.map((w) => cpuSeconds(w.pid));
    const serverRss = await devServerRssMiB(devServer.address.split(':')[1]!);
    console.log(`RSS now ${rss.map((r) => r.toFixed(0)).join(', ')} MiB; peak ${peakRss.map((r) => r.toFixed(0)).join(', ')} MiB; CPU ${cpu.map((c) => c.toFixed(0)).join(', ')} s; dev server RSS ${serverRss?.toFixed(0) ?? '?'} MiB`);

    // Status of random rollouts, one at a time: as `rollout status` asks (describe + query), and the query alone (of
    // another random rollout: right after a status the rollout is in the cache).
    const statusMs: number[] = [];
    const queryMs: number[] = [];
    const randomFlag = () => flagOf(Math.floor(Math.random() * options.count));
    for (let q = 0; q < options.queries; q++) {
      const flag = randomFlag();
      let t0 = performance.now();
      const status = await rollouts.status(flag);
      statusMs.push(performance.now() - t0);
      if (status.pendingGate !== 'staging-qa') throw new Error(`${flag} is not waiting at staging-qa: ${status.stage} ${status.state}`);
      const other = client.workflow.getHandle(rolloutWorkflowId(randomFlag()));
      t0 = performance.now();
      await other.query(messages.status);
      queryMs.push(performance.now() - t0);
    }
    const sortedStatus = [...statusMs].sort((a, b) => a - b);
    const sortedQuery = [...queryMs].sort((a, b) => a - b);
    const p = (sorted: number[], n: number) => percentile(sorted, n).toFixed(0);
    console.log(`status (describe + query) over ${options.queries} random rollouts: p50 ${p(sortedStatus, 50)} ms, p95 ${p(sortedStatus, 95)} ms, p99 ${p(sortedStatus, 99)} ms, max ${p(sortedStatus, 100)} ms`);
    console.log(`query alone: p50 ${p(sortedQuery, 50)} ms, p95 ${p(sortedQuery, 95)} ms, p99 ${p(sortedQuery, 99)} ms, max ${p(sortedQuery, 100)} ms`);

    // Approve a sample at staging-qa: each must reach production-qa.
    const sample = Array.from({ length: Math.min(options.approve, options.count) }, (_, i) => flagOf(Math.floor((i * options.count) / Math.max(options.approve, 1))));
    const approveStarted = performance.now();
    await Promise.all(sample.map((flag) => rollouts.send(flag, 'approve', { gate: 'staging-qa', by: 'alice' }, 60_000)));
    let progressed = 0;
    for (const flag of sample) {
      for (;;) {
        const status = await rollouts.status(flag);
        if (status.pendingGate === 'production-qa') break;
        if (performance.now() - approveStarted > 120_000) throw new Error(`${flag} did not reach production-qa within 2 minutes of its approval: ${status.stage} ${status.state}`);
        await new Promise((done) => setTimeout(done, 250));
      }
      progressed++;
    }
    console.log(`${progressed} of ${sample.length} approved rollouts reached production-qa within ${((performance.now() - approveStarted) / 1000).toFixed(1)} s`);

    const loadAfter = await loadAverage();
    console.log(`load average after: ${loadAfter}`);
    const maxRss = Math.max(...rss, ...peakRss);
    const status95 = percentile(sortedStatus, 95);
    console.log('\n| rollouts | workers | cache | heap | starts/s | all waiting | RSS per worker (now / peak) | status p50 / p95 / p99 | query p95 | approved → next gate | load before → after |');
    console.log('|---:|---:|---:|---:|---:|---:|---|---|---:|---|---|');
    console.log(
      `| ${options.count - failedStarts} | ${options.workers} | ${options.cache ?? 'default'} | ${options.heap === null ? 'default' : `${options.heap} MiB`} | ` +
        `${((options.count - failedStarts) / startSeconds).toFixed(0)} | ${allWaitingSeconds.toFixed(0)} s | ` +
        `${rss.map((r, i) => `${r.toFixed(0)} / ${peakRss[i]!.toFixed(0)}`).join(', ')} MiB | ` +
        `${p(sortedStatus, 50)} / ${p(sortedStatus, 95)} / ${p(sortedStatus, 99)} ms | ${p(sortedQuery, 95)} ms | ${progressed}/${sample.length} | ${loadBefore} → ${loadAfter} |`,
    );
    const goals = [maxRss < RSS_GOAL_MIB ? `RSS under ${RSS_GOAL_MIB} MiB: met` : `RSS under ${RSS_GOAL_MIB} MiB: MISSED (${maxRss.toFixed(0)} MiB)`];
    goals.push(status95 < STATUS_P95_GOAL_MS ? `status p95 under ${STATUS_P95_GOAL_MS} ms: met` : `status p95 under ${STATUS_P95_GOAL_MS} ms: MISSED (${status95.toFixed(0)} ms)`);
    console.log(`\n${goals.join('; ')}`);
    if (failedStarts > 0 || progressed < sample.length || maxRss >= RSS_GOAL_MIB || status95 >= STATUS_P95_GOAL_MS) process.exitCode = 1;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await connection.close();
    await devServer.stop();
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
