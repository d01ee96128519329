// Benchmark: `rollout list` over 50 running rollouts on a real dev server with the worker stopped (one visibility query).
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { runCli } from '../client/cli';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { startEmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { ROLLOUT_STATE } from '../workflows/search-attributes';

const run = promisify(execFile);
const ROLLOUTS = Number(process.argv[2] ?? 50);
const REPETITIONS = Number(process.argv[3] ?? 10);
/** The goal: the listing answers within this, with no worker running. */
const GOAL_MS = 1000;

async function main(): Promise<void> {
  if (!Number.isInteger(ROLLOUTS) || ROLLOUTS < 1 || !Number.isInteger(REPETITIONS) || REPETITIONS < 1) {
    console.error('usage: npx tsx bench/list-latency.ts [rollouts, default 50] [repetitions, default 10]');
    process.exitCode = 1;
    return;
  }
  installQuietRuntime();
  const stack = await startEmbeddedStack({ ui: false });
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  try {
    const client = new Client({ connection });
    const rollouts = new RolloutClient(client, stack.config.temporal.taskQueue);
    const flags = Array.from({ length: ROLLOUTS }, (_, i) => `bench_list_${String(i).padStart(3, '0')}`);
    const started = performance.now();
    for (const flag of flags) await rollouts.start(parsePlan({ flag, requester: 'carol', signing: { mode: 'keyless' } }));
    // Every rollout waits at its first gate, and visibility has its attributes, before the worker goes.
    const query = `${ROLLOUT_STATE.name} = "awaiting-approval"`;
    for (;;) {
      const { count } = await client.workflow.count(query);
      if (count >= ROLLOUTS) break;
      if (performance.now() - started > 120_000) throw new Error(`only ${count} of ${ROLLOUTS} rollouts reached a gate within 2 minutes`);
      await new Promise((done) => setTimeout(done, 250));
    }
    console.log(`${ROLLOUTS} rollouts waiting at staging-qa after ${((performance.now() - started) / 1000).toFixed(1)} s; stopping the worker`);
    await stack.stopWorker();

    const inProcess: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      let out = '';
      const t0 = performance.now();
      const code = await runCli(['list', '--limit', String(ROLLOUTS)], { stdout: (text) => (out += text), stderr: (text) => (out += text) }, stack.config);
      inProcess.push(performance.now() - t0);
      const rows = out.trimEnd().split('\n').length - 1;
      if (code !== 0 || rows !== ROLLOUTS) throw new Error(`rollout list answered ${code} with ${rows} rows:\n${out}`);
    }

    const root = resolve(__dirname, '..');
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.config.temporal.address, REDIS_URL: stack.config.redisUrl, TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue };
    const processes: number[] = [];
    for (let i = 0; i < Math.min(REPETITIONS, 5); i++) {
      const t0 = performance.now();
      await run(process.execPath, [resolve(root, 'bin', 'rollout.js'), 'list', '--limit', String(ROLLOUTS)], { cwd: root, env });
      processes.push(performance.now() - t0);
    }

    const summary = (label: string, times: number[]) => {
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(`${label}: median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${times.length} runs)`);
      return sorted.at(-1)!;
    };
    const worst = summary(`rollout list, ${ROLLOUTS} rows, in-process (connect + query + table)`, inProcess);
    summary(`node bin/rollout.js list, ${ROLLOUTS} rows (a new process each: Node, the compiled CLI, connect, query)`, processes);
    console.log(worst < GOAL_MS ? `goal met: every in-process listing under ${GOAL_MS} ms` : `goal missed: the slowest in-process listing took ${worst.toFixed(0)} ms`);
    if (worst >= GOAL_MS) process.exitCode = 1;
  } finally {
    await connection.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
