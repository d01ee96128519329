// Benchmark: on a real Temporal dev server, Redis and worker, the time from a volume breach until every environment is restored, per stage and guard interval.
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { finalStatusOf, RolloutClient } from '../client/rollout-client';
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import { sameGates, type FlagGates } from '../flags/flag-gates';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { parsePlan } from '../plan/parse-plan';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import { startEmbeddedStack } from '../stack/embedded-stack';
import { snowplowSentCounterKey, utcDay } from '../volume/snowplow-counter-keys';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { GateName, RolloutStatus } from '../workflows/rollout-status';

type Stage = 'soak' | 'gate' | 'verification';
const STAGES: Stage[] = ['soak', 'gate', 'verification'];
const STAGE_NAMES: Record<Stage, string> = {
  soak: 'soak (10 % step, soak 10 × interval)',
  gate: 'gate (production-qa waiting)',
  verification: 'verification',
};
/** The rollout's stage while it is in each measured wait. */
const STAGE_OF: Record<Stage, RolloutStatus['stage']> = { soak: 'ramp', gate: 'production-qa', verification: 'verification' };
/** Guard intervals in seconds and repetitions per stage; the whole run stays under ~10 minutes. */
const REPETITIONS: Record<number, number> = { 1: 3, 5: 3, 15: 2 };
const INTERVALS = (process.argv[2] ?? '1,5,15').split(',').map(Number);
const BUDGET = 10_000_000;
/** The goal: every touched environment restored within one guard interval plus this. */
const GOAL_SLACK_MS = 2000;
const POLL_MS = 10;
const APPROVERS: Record<Exclude<GateName, 'volume-review' | 'deployment' | 'cleanup'>, string> = { 'staging-qa': 'alice', 'production-qa': 'bob', 'global-readiness': 'alice' };
/** Gates on production before the rollout, so a restore is visible (not just a deleted flag). */
const PRIOR: FlagGates = { boolean: null, actors: ['user:early-adopter'], groups: [], percentageOfActors: null, percentageOfTime: 3 };

interface Measurement {
  stage: Stage;
  intervalS: number;
  flag: string;
  /** Where in the guard's interval the breach fell: ms after the check before it (from the rollout's guard records). */
  phaseMs: number;
  /** Time between the check before the breach and the one that saw it (the interval plus the check's own lateness). */
  cadenceMs: number;
  toRestoredMs: number;
  toDecisionMs: number;
  decisionToRestoredMs: number;
}

interface Bench {
  rollouts: RolloutClient;
  store: RedisFlagStore;
  redis: Redis;
}

async function main(): Promise<void> {
  if (!INTERVALS.every((s) => Number.isInteger(s) && s >= 1)) {
    console.error('usage: npx tsx bench/guard-reaction.ts [guard intervals in whole seconds, comma-separated; default 1,5,15]');
    process.exitCode = 1;
    return;
  }
  installQuietRuntime();
  const stack = await startEmbeddedStack({ ui: false });
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const redis = new Redis(stack.config.redisUrl);
  const bench: Bench = {
    rollouts: new RolloutClient(new Client({ connection, namespace: stack.config.temporal.namespace }), stack.config.temporal.taskQueue),
    store: new RedisFlagStore(redis, { prefix: stack.config.flagKeyPrefix }),
    redis,
  };
  const results: Measurement[] = [];
  try {
    for (const intervalS of INTERVALS) {
      for (const stage of STAGES) {
        for (let rep = 1; rep <= (REPETITIONS[intervalS] ?? 1); rep++) {
          const m = await measure(bench, stage, intervalS, `reaction_${stage}_${intervalS}s_${rep}_${Date.now().toString(36)}`);
          results.push(m);
          progress(`${stage} @ ${intervalS}s #${rep}: breach ${ms(m.phaseMs)} after a check → decision ${ms(m.toDecisionMs)} → all restored ${ms(m.toRestoredMs)}`);
        }
      }
    }
  } finally {
    await redis.quit();
    await connection.close();
    await stack.stop();
  }
  report(results);
}

/** One rollout: brought to `stage`, breached at a random moment of the guard's interval, timed until every environment is back. */
async function measure({ rollouts, store, redis }: Bench, stage: Stage, intervalS: number, flag: string): Promise<Measurement> {
  const intervalMs = intervalS * 1000;
  await store.apply(flag, 'production', { kind: 'restore', gates: PRIOR });
  const before = await readAll(store, flag);
  const plan = parsePlan({
    flag,
    ramp: { steps: [10, 100], soak: stage === 'soak' ? `${10 * intervalS}s` : '0s' },
    verification: `${100 * intervalS}s`,
    guard: { interval: `${intervalS}s`, minSample: 0, budgetPerDay: BUDGET },
  });
  await rollouts.start(plan);
  await approveWhenPending(rollouts, flag, 'staging-qa');
  if (stage !== 'gate') {
    await approveWhenPending(rollouts, flag, 'production-qa');
    await approveWhenPending(rollouts, flag, 'global-readiness');
  }
  const reached: Record<Stage, (s: RolloutStatus) => boolean> = {
    soak: (s) => s.stage === 'ramp' && s.percentage === 10,
    gate: (s) => s.pendingGate === 'production-qa',
    verification: (s) => s.stage === 'verification',
  };
  await statusWhen(rollouts, flag, reached[stage], stage);
  // A few intervals into the soak; in the other stages after the stage's first check.
  await sleep((stage === 'soak' ? 2 : 1) * intervalMs);
  // Checks drift later by their own latency, so the cadence is read again just before the breach.
  const { guard } = await rollouts.status(flag);
  let breachAt = Date.parse(guard.nextCheckAt!) - intervalMs + Math.random() * intervalMs;
  while (breachAt < Date.now() + 20) breachAt += intervalMs;
  await sleep(breachAt - Date.now());
  if (everyRestored(before, await readAll(store, flag))) throw new Error(`${flag}: the environments look restored before the breach`);

  const breached = Date.now();
  await redis.set(snowplowSentCounterKey(flag, utcDay(new Date(breached))), String(BUDGET + 1));
  let restored: number | null = null;
  while (restored === null) {
    const now = await readAll(store, flag);
    if (everyRestored(before, now)) restored = Date.now();
    else if (Date.now() - breached > 3 * intervalMs + 30_000) throw new Error(`${flag}: not restored ${ms(Date.now() - breached)} after the breach`);
    else await sleep(POLL_MS);
  }
  const final = await finalStatus(rollouts, flag);
  if (final.state !== 'rolled-back' || final.outcome?.cause !== 'guard-breach' || final.lastVolume?.verdict !== 'over-budget') {
    throw new Error(`${flag}: expected a guard-breach rollback, got ${final.state} (${final.outcome?.reason ?? 'no outcome'})`);
  }
  // In the soak the watch reads at the current step only; the check that clears the next step after it names that step.
  const caughtIn = final.lastVolume.nextPercentage === null ? final.stage : `${final.stage}, clearing ${final.lastVolume.nextPercentage}%`;
  if (caughtIn !== STAGE_OF[stage]) throw new Error(`${flag}: the breach was caught in ${caughtIn}, not in ${STAGE_OF[stage]}`);
  const decided = Date.parse(final.lastVolume.at);
  const previous = final.guard.decisions.at(-2);
  if (!previous) throw new Error(`${flag}: no guard check before the breach`);
  const checkedBefore = Date.parse(previous.at);
  return {
    stage,
    intervalS,
    flag,
    phaseMs: breached - checkedBefore,
    cadenceMs: decided - checkedBefore,
    toRestoredMs: restored - breached,
    toDecisionMs: decided - breached,
    decisionToRestoredMs: restored - decided,
  };
}

async function approveWhenPending(rollouts: RolloutClient, flag: string, gate: keyof typeof APPROVERS): Promise<void> {
  await statusWhen(rollouts, flag, (s) => s.pendingGate === gate, gate);
  const confirmed = gate === 'global-readiness' ? READINESS_ITEM_IDS : undefined;
  await rollouts.send(flag, 'approve', { gate, by: APPROVERS[gate], comment: 'guard-reaction benchmark', confirmed }, 30_000);
}

async function statusWhen(rollouts: RolloutClient, flag: string, ok: (s: RolloutStatus) => boolean, what: string): Promise<RolloutStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await rollouts.status(flag);
    if (ok(status)) return status;
    if (Date.now() > deadline) throw new Error(`${flag}: no ${what} within 60 s; state ${status.state}, stage ${status.stage}`);
    await sleep(50);
  }
}

/** The status the rolled-back rollout closed with (its failure's details). */
async function finalStatus(rollouts: RolloutClient, flag: string): Promise<RolloutStatus> {
  try {
    return await rollouts.handle(flag).result();
  } catch (error) {
    const status = finalStatusOf(error);
    if (status === null) throw error;
    return status;
  }
}

async function readAll(store: RedisFlagStore, flag: string): Promise<(FlagGates | null)[]> {
  return Promise.all(ENVIRONMENTS.map((env: Environment) => store.get(flag, env)));
}

function everyRestored(before: (FlagGates | null)[], now: (FlagGates | null)[]): boolean {
  return before.every((gates, i) => sameGates(gates, now[i] ?? null));
}

function report(results: Measurement[]): void {
  console.log('| stage | guard interval | runs | breach → all restored: min / median / max | goal | met? | breach → over-budget decision (median; range) | decision → all restored (median; range) |');
  console.log('|---|---:|---:|---:|---:|---|---:|---:|');
  for (const intervalS of INTERVALS) {
    for (const stage of STAGES) {
      const cell = results.filter((m) => m.stage === stage && m.intervalS === intervalS);
      if (cell.length === 0) continue;
      const total = cell.map((m) => m.toRestoredMs);
      const goalMs = intervalS * 1000 + GOAL_SLACK_MS;
      const met = Math.max(...total) <= goalMs ? 'met' : 'missed';
      console.log(
        `| ${STAGE_NAMES[stage]} | ${intervalS} s | ${cell.length} | ${ms(Math.min(...total))} / ${ms(median(total))} / ${ms(Math.max(...total))} | ≤ ${ms(goalMs)} | ${met} | ${spread(cell.map((m) => m.toDecisionMs))} | ${spread(cell.map((m) => m.decisionToRestoredMs))} |`,
      );
    }
  }
  console.log('\n| run | breach after the previous check | previous check → deciding check | breach → decision | decision → all restored | breach → all restored |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const m of results) {
    console.log(`| ${m.stage} @ ${m.intervalS} s | ${ms(m.phaseMs)} | ${ms(m.cadenceMs)} | ${ms(m.toDecisionMs)} | ${ms(m.decisionToRestoredMs)} | ${ms(m.toRestoredMs)} |`);
  }
}

function spread(values: number[]): string {
  return `${ms(median(values))}; ${ms(Math.min(...values))}–${ms(Math.max(...values))}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (value: number) => (Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`);
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)));

function progress(line: string): void {
  console.error(`[${new Date().toISOString()}] ${line}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
