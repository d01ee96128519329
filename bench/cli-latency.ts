// Benchmark: wall time of `rollout status <flag>` as a new process each time (npx, the bin, compiled JS, tsx) next to `temporal workflow query`.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import { startEmbeddedStack } from '../stack/embedded-stack';
import { temporalCliPath } from '../stack/temporal-binaries';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { rolloutWorkflowId } from '../workflows/rollout-status';

const run = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 20);
const FLAG = 'bench_cli_latency';
/** The goal for `npx rollout status <flag>` on the development machine. */
const GOAL_MS = 400;
const ROOT = resolve(__dirname, '..');

interface Candidate {
  label: string;
  file: string;
  args: string[];
  cwd?: string;
  /** What its output must contain, checked on the first run, so a failing command is not timed. */
  expect: string;
}

async function main(): Promise<void> {
  if (!Number.isInteger(RUNS) || RUNS < 1) {
    console.error('usage: npx tsx bench/cli-latency.ts [runs of each command, default 20]');
    process.exitCode = 1;
    return;
  }
  const stale = await run(process.execPath, [join(ROOT, 'bin', 'compiled-cli.js')]).then(
    () => null,
    (err: { stdout?: string }) => err.stdout?.trim() || 'unknown',
  );
  if (stale) {
    console.error(`the compiled CLI is out of date (${stale}): run \`npm run bootstrap\` first, or \`npm run bench:cli\``);
    process.exitCode = 1;
    return;
  }

  installQuietRuntime();
  const stack = await startEmbeddedStack({ ui: false });
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  // A package without dependencies whose own bin npx runs the way it runs `rollout` here (npm's share of `npx`); a fixed
  // path, as npx keeps an entry in its cache (~/.npm/_npx) per package directory.
  const noop = join(tmpdir(), 'rollout-bench-npx-noop');
  mkdirSync(noop, { recursive: true });
  try {
    const rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
    await rollouts.start(parsePlan({ flag: FLAG, requester: 'carol', signing: { mode: 'keyless' } }));
    const started = performance.now();
    while ((await rollouts.status(FLAG)).pendingGate !== 'staging-qa') {
      if (performance.now() - started > 60_000) throw new Error(`the rollout of ${FLAG} did not reach staging-qa within a minute`);
      await new Promise((done) => setTimeout(done, 100));
    }

    writeFileSync(join(noop, 'package.json'), JSON.stringify({ name: 'npx-noop', version: '1.0.0', private: true, bin: { 'npx-noop': 'noop.js' } }));
    writeFileSync(join(noop, 'noop.js'), '#!/usr/bin/env node\n', { mode: 0o755 });

    const address = stack.config.temporal.address;
    const candidates: Candidate[] = [
      { label: `npx rollout status ${FLAG}`, file: 'npx', args: ['rollout', 'status', FLAG], expect: 'stage:       staging-qa' },
      { label: `bin/rollout.js status ${FLAG}`, file: join(ROOT, 'bin', 'rollout.js'), args: ['status', FLAG], expect: 'stage:       staging-qa' },
      { label: `node dist/client/main.js status ${FLAG}`, file: process.execPath, args: [join(ROOT, 'dist', 'client', 'main.js'), 'status', FLAG], expect: 'stage:       staging-qa' },
      {
        label: `node --require tsx/cjs client/main.ts status ${FLAG} (the tsx fallback)`,
        file: process.execPath,
        args: ['--require', 'tsx/cjs', join(ROOT, 'client', 'main.ts'), 'status', FLAG],
        expect: 'stage:       staging-qa',
      },
      {
        label: `temporal workflow query --workflow-id ${rolloutWorkflowId(FLAG)} --type status`,
        file: temporalCliPath(),
        args: ['workflow', 'query', '--address', address, '--namespace', stack.config.temporal.namespace, '--workflow-id', rolloutWorkflowId(FLAG), '--type', 'status'],
        expect: 'staging-qa',
      },
      { label: 'bin/rollout.js --help (start-up only, no connection)', file: join(ROOT, 'bin', 'rollout.js'), args: ['--help'], expect: 'Usage: rollout' },
      { label: 'npx npx-noop (a no-op bin of a package without dependencies)', file: 'npx', args: ['npx-noop'], cwd: noop, expect: '' },
    ];

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
      REDIS_URL: stack.config.redisUrl,
      FORCE_COLOR: '0',
    };
    delete env.NODE_OPTIONS;
    const once = async (candidate: Candidate) => {
      const t0 = performance.now();
      const { stdout, stderr } = await run(candidate.file, candidate.args, { cwd: candidate.cwd ?? ROOT, env });
      const ms = performance.now() - t0;
      return { ms, stdout, stderr };
    };
    // A first run of each, checked and not timed (it warms the file cache and npx's cache of the local package).
    for (const candidate of candidates) {
      const { stdout, stderr } = await once(candidate);
      if (!stdout.includes(candidate.expect)) throw new Error(`${candidate.label} printed no ${JSON.stringify(candidate.expect)}:\n${stdout}${stderr}`);
      if (stderr.includes('running the TypeScript through tsx') && !candidate.label.includes('tsx')) throw new Error(`${candidate.label} fell back to tsx:\n${stderr}`);
    }

    const load = loadavg()[0]!;
    const times = candidates.map(() => [] as number[]);
    // Round robin, so a busy moment on the machine lands on every command alike.
    for (let i = 0; i < RUNS; i++) {
      for (const [c, candidate] of candidates.entries()) times[c]!.push((await once(candidate)).ms);
    }

    console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; ${RUNS} runs each\n`);
    console.log('| command | median | p90 | min |');
    console.log('|---|---:|---:|---:|');
    const medians = candidates.map((candidate, c) => {
      const sorted = [...times[c]!].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
      console.log(`| \`${candidate.label}\` | ${at(0.5).toFixed(0)} ms | ${at(0.9).toFixed(0)} ms | ${sorted[0]!.toFixed(0)} ms |`);
      return at(0.5);
    });
    const [npx, bin] = medians as [number, number];
    console.log(`\ngoal: \`npx rollout status\` under ${GOAL_MS} ms: ${npx < GOAL_MS ? 'met' : 'missed'} (median ${npx.toFixed(0)} ms); the CLI itself (bin/rollout.js): median ${bin.toFixed(0)} ms`);
  } finally {
    rmSync(noop, { recursive: true, force: true });
    await connection.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
