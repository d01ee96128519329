// Benchmark: history events per run of three long plans on the time-skipping server, exit code 1 when a run reaches the limit or a plan does not complete.
import { performance } from 'node:perf_hooks';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { continueAsNewChain, type RunOfChain } from '../test/support/continue-as-new-chain';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from '../test/support/time-skipping-harness';
import { CONTINUE_AS_NEW_AFTER_EVENTS, HISTORY_EVENTS_PER_RUN_LIMIT } from '../workflows/continue-as-new';
import * as messages from '../workflows/messages';
import type { rolloutWorkflow } from '../workflows/rollout-workflow';
import type { RolloutStatus } from '../workflows/rollout-status';

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof rolloutWorkflow>;

/** A plan that does not end within this much wall time counts as not completed. */
const PLAN_TIME_LIMIT_MS = 25 * 60_000;

interface Scenario {
  /** Picks the plan on the command line: `npx tsx bench/history-size.ts c` runs only (c). */
  key: string;
  name: string;
  /** Parsed with the plan's defaults by the harness; nested sections may be partial. */
  plan: { flag: string } & Record<string, unknown>;
  /** Drives the rollout from its start to the point where it runs to its end by itself. */
  drive(h: Harness, handle: Handle): Promise<void>;
}

interface Result {
  name: string;
  chain: RunOfChain[];
  final: RolloutStatus | null;
  wallMs: number;
  error: string | null;
}

const SCENARIOS: Scenario[] = [
  {
    key: 'a',
    name: '(a) default plan (6 steps, 15m soaks, 24h verification, 15m guard), 5,000 events of traffic',
    plan: { flag: 'history_default_plan' },
    async drive(h, handle) {
      await h.addTraffic('history_default_plan', 5000); // enough for the guard to project each next step (minSample 1000)
      await h.passGates(handle);
    },
  },
  {
    key: 'b',
    name: '(b) 30-day verification, 1m guard interval',
    plan: { flag: 'history_thirty_day_verification', ramp: { steps: [100], soak: '1m' }, verification: '30d', guard: { interval: '1m', minSample: 0 } },
    async drive(h, handle) {
      await h.passGates(handle);
    },
  },
  {
    key: 'c',
    name: '(c) 7-day inconclusive wait, 1m guard interval, no traffic',
    plan: { flag: 'history_seven_day_quiet', ramp: { steps: [10, 100], soak: '1m' }, verification: '1h', guard: { interval: '1m', inconclusiveWait: '7d' } },
    async drive(h, handle) {
      await h.passGates(handle);
      // 10,080 inconclusive re-reads, then the question at volume-review. In steps: one long sleep is a gRPC call that
      // outlives the client's 30 s keepalive on a slow server, and its retry unlocks time skipping a second time.
      for (let hours = 0; hours < 170; hours += 5) await h.env.sleep('5h');
      await h.waitFor(handle, pendingGateIs('volume-review'), 'volume-review after 7 days');
      await handle.signal(messages.approve, { gate: 'volume-review', by: 'bob', comment: 'quiet week; go on' });
    },
  },
];

async function main(): Promise<void> {
  const results: Result[] = [];
  const keys = (process.argv[2] ?? 'a,b,c').split(',');
  for (const scenario of SCENARIOS.filter((s) => keys.includes(s.key))) {
    progress(`${scenario.name}: starting`);
    results.push(await runScenario(scenario));
    const last = results.at(-1)!;
    progress(`${scenario.name}: ${last.final?.state ?? 'no result'} in ${seconds(last.wallMs)}, ${last.chain.length} runs${last.error ? ` (${last.error})` : ''}`);
  }
  const problems = report(results);
  if (problems.length > 0) {
    console.error(`\nFAILED:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exitCode = 1;
  }
}

/** One plan on a fresh harness (so one plan's histories do not slow the next). */
async function runScenario(scenario: Scenario): Promise<Result> {
  const h = await startTimeSkippingHarness();
  const started = performance.now();
  let final: RolloutStatus | null = null;
  let chain: RunOfChain[] = [];
  let error: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const handle = await h.start(scenario.plan);
    const run = async () => {
      await scenario.drive(h, handle);
      return h.finalStatus(handle);
    };
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not end within ${PLAN_TIME_LIMIT_MS / 60_000} minutes`)), PLAN_TIME_LIMIT_MS);
    });
    try {
      final = await Promise.race([run(), limit]);
    } catch (err) {
      // The first line, without the status a timed-out wait appends.
      error = (err instanceof Error ? err.message : String(err)).split('; last value')[0]!.split('\n')[0]!;
      await handle.terminate('history-size benchmark gave up').catch(() => undefined);
    }
    const wallMs = performance.now() - started;
    chain = await continueAsNewChain(h.env.client, handle);
    return { name: scenario.name, chain, final, wallMs, error };
  } finally {
    clearTimeout(timer);
    await h.close();
  }
}

/** Prints the table; returns what breaks the bound (any run at the limit, any plan not completed). */
function report(results: Result[]): string[] {
  const problems: string[] = [];
  console.log(`| plan | runs | events of the largest run | events in total | guard checks | wall time | final state | state handed over (2nd → last run) |`);
  console.log(`|---|---:|---:|---:|---:|---:|---|---:|`);
  for (const r of results) {
    const largest = Math.max(0, ...r.chain.map((run) => run.events));
    const total = r.chain.reduce((sum, run) => sum + run.events, 0);
    const handedOver = r.chain.length > 1 ? `${kb(r.chain[1]!.inputBytes)} → ${kb(r.chain.at(-1)!.inputBytes)}` : '—';
    const state = r.final?.state ?? `none (${r.error ?? 'no result'})`;
    console.log(
      `| ${r.name} | ${r.chain.length} | ${int(largest)} | ${int(total)} | ${r.final ? int(r.final.guard.checks) : '—'} | ${seconds(r.wallMs)} | ${state} | ${handedOver} |`,
    );
    const atLimit = r.chain.filter((run) => run.events >= HISTORY_EVENTS_PER_RUN_LIMIT);
    if (atLimit.length > 0) problems.push(`${r.name}: ${atLimit.length} run(s) reached ${HISTORY_EVENTS_PER_RUN_LIMIT} events (largest ${largest})`);
    if (r.final?.state !== 'completed') problems.push(`${r.name}: did not complete (${state})`);
  }
  console.log(
    `\nA run continues-as-new once its history has ${int(CONTINUE_AS_NEW_AFTER_EVENTS)} events; the bound checked is ${int(HISTORY_EVENTS_PER_RUN_LIMIT)} events per run.`,
  );
  return problems;
}

function progress(line: string): void {
  console.error(`[${new Date().toISOString()}] ${line}`);
}

const int = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
