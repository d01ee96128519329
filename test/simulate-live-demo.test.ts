// `rollout simulate` against the live demo: plans/tight-budget.yaml on a real stack with the demo's traffic, and the simulation of the series recorded meanwhile, make the same decision at the same step.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { loadPlanFile } from '../plan/load-plan-file';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import type { RolloutPlan } from '../plan/rollout-plan';
import { loadVolumeSeries, parseVolumeSeries } from '../simulate/parse-volume-series';
import { simulateRollout } from '../simulate/simulate-rollout';
import type { SimulationResult } from '../simulate/simulation-result';
import { VolumeSeries } from '../simulate/volume-series';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { watchRollout } from '../stack/watch-rollout';
import { startTrackingPath } from '../tracking/start-tracking-path';
import { DEFAULT_EVENT_MIX } from '../traffic/event-mix';
import { startTraffic, type TrackTarget } from '../traffic/traffic-generator';
import type { GuardDecision } from '../volume/guard-decision';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner } from './support/capture-cli';
import { pollUntil } from './support/eventually';

const TIGHT_BUDGET = resolve(__dirname, '..', 'plans', 'tight-budget.yaml');
/** The committed recording (`RECORD_SIMULATION_FIXTURE=1 npx jest test/simulate-live-demo.test.ts` records it again). */
const DEMO_TRAFFIC_FIXTURE = resolve(__dirname, 'fixtures', 'demo-traffic.csv');
const RECORD_SECONDS = 60;
/** The demo's traffic (stack/demo-main.ts): 100 events/s from 200 namespaces and 5,000 users. */
const DEMO_TRAFFIC = { rate: 100, namespaces: 200, users: 5000, mix: DEFAULT_EVENT_MIX, env: 'production' } as const;
/** Who approves which gate in the demo. */
const DEMO_APPROVERS = { 'staging-qa': 'alice', 'production-qa': 'bob', 'global-readiness': 'alice' } as Record<string, string>;

let stack: EmbeddedStack;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Every tracked event, per epoch second: the Snowplow volume the flag would send at 100 %. */
function recordingTarget(target: TrackTarget): { target: TrackTarget; csv: (header: string[], wholeSecondsOnly?: boolean) => string; seconds: () => number } {
  const perSecond = new Map<number, number>();
  return {
    target: {
      track(event, ctx) {
        const second = Math.floor(Date.now() / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
        target.track(event, ctx);
      },
    },
    seconds: () => perSecond.size,
    csv: (header, wholeSecondsOnly = false) => {
      // The first and last seconds are partial (traffic started and stopped inside them).
      const seconds = wholeSecondsOnly ? [...perSecond].slice(1, -1) : [...perSecond];
      return [...header.map((line) => `# ${line}`), 'epochSecond,count', ...seconds.map(([s, n]) => `${s},${n}`), ''].join('\n');
    },
  };
}

/** The decision that stopped a rollout: the last projected or actual breach. */
function stoppingDecision(status: RolloutStatus): GuardDecision {
  const decisions = status.guard.decisions.filter((d): d is GuardDecision => d.verdict === 'projected-over-budget' || d.verdict === 'over-budget');
  expect(decisions.length).toBeGreaterThan(0);
  return decisions.at(-1)!;
}

/** What both must agree on: how it ended, why, in which stage, at which percentage, before which step, and the steps taken. */
function liveDecision(status: RolloutStatus) {
  const stop = stoppingDecision(status);
  return {
    state: status.state,
    cause: status.outcome?.cause ?? null,
    stage: status.stage,
    percentage: status.percentage,
    stoppedBefore: stop.nextPercentage,
    verdict: stop.verdict,
    percentagesSet: status.steps.filter((s) => s.stage === 'ramp' && s.environment === 'production').map((s) => s.percentage),
  };
}

function simulatedDecision(result: SimulationResult) {
  return {
    state: result.outcome.result,
    cause: result.outcome.cause,
    stage: result.outcome.stage,
    percentage: result.outcome.percentage,
    stoppedBefore: result.outcome.stoppedBefore,
    verdict: result.outcome.decision?.verdict,
    percentagesSet: result.steps.filter((s) => s.stage === 'ramp' && s.environment === 'production').map((s) => s.percentage),
  };
}

describe('rollout simulate against the live demo', () => {
  it('decides as the live rollout of plans/tight-budget.yaml did: rolled back at 10 %, before 50 %, on the projection', async () => {
    const flag = 'route_hll_to_snowplow_phase3';
    const tightBudget = loadPlanFile(TIGHT_BUDGET);
    // The demo signs its approvals; the guard's decisions do not depend on it, so this run takes unsigned ones.
    const livePlan: RolloutPlan = { ...tightBudget, signing: { mode: 'keyless', keys: {} } };
    const cli = cliRunner(stack.config, { unsigned: true });
    const tracking = await startTrackingPath({ ...stack.config, tracking: { ...stack.config.tracking, flag, instanceId: 'simulate-live-demo' } });
    const recording = recordingTarget(tracking.tracker);
    const traffic = startTraffic(recording.target, DEMO_TRAFFIC);
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    let live: RolloutStatus;
    try {
      const rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
      await rollouts.start(livePlan);
      // As `npm run demo -- --plan plans/tight-budget.yaml --expect rolled-back` follows and approves it.
      live = await watchRollout(rollouts, flag, {
        print: () => undefined,
        onGate: async (gate) => {
          const confirm = gate === 'global-readiness' ? ['--confirm', READINESS_ITEM_IDS.join(',')] : [];
          expect(await cli('approve', flag, '--gate', gate, '--by', DEMO_APPROVERS[gate] ?? 'bob', ...confirm)).toMatchObject({ code: 0 });
        },
      });
      if (process.env.RECORD_SIMULATION_FIXTURE === '1') {
        await pollUntil(recording.seconds, (n) => n >= RECORD_SECONDS + 1, { what: `${RECORD_SECONDS} s of traffic`, timeoutMs: 120_000, intervalMs: 500 });
      }
    } finally {
      traffic.stop();
      await tracking.close();
      await connection.close();
    }

    expect(liveDecision(live)).toEqual({
      state: 'rolled-back',
      cause: 'projected-breach',
      stage: 'ramp',
      percentage: 10,
      stoppedBefore: 50,
      verdict: 'projected-over-budget',
      percentagesSet: [10],
    });

    // The series recorded during the live run, simulated from the moment the live rollout started.
    const dir = mkdtempSync(join(tmpdir(), 'rollout-simulate-live-'));
    const recorded = join(dir, 'live-traffic.csv');
    writeFileSync(recorded, recording.csv([`the demo's traffic during a live run of plans/tight-budget.yaml that started ${live.startedAt}`]));
    const parsed = parseVolumeSeries(recording.csv([]), recorded);
    const simulated = simulateRollout(tightBudget, new VolumeSeries(parsed.firstSecond, parsed.counts), { startMs: Date.parse(live.startedAt) });
    expect(simulatedDecision(simulated)).toEqual(liveDecision(live));
    expect(simulated.outcome.decision).toMatchObject({ percentage: 10, nextPercentage: 50 });

    // The CLI says the same, with the exit code of a rollback.
    const out = await cli('simulate', '--plan', TIGHT_BUDGET, '--volume', recorded, '--start', live.startedAt);
    expect(out.code).toBe(7);
    expect(out.stdout).toMatch(/Outcome: ROLLS BACK at \+4 s \(.*\), stage ramp, 10 % on production, before 50 % \(cause projected-breach\)/);

    if (process.env.RECORD_SIMULATION_FIXTURE === '1') {
      mkdirSync(dirname(DEMO_TRAFFIC_FIXTURE), { recursive: true });
      writeFileSync(
        DEMO_TRAFFIC_FIXTURE,
        recording.csv([
          "Snowplow volume at 100 % of traffic, per second: the demo's traffic generator (100 events/s from 200 namespaces and",
          '5,000 users) through the tracking path, every tracked event counted (the flag sends its share of these).',
          'Recorded by RECORD_SIMULATION_FIXTURE=1 npx jest test/simulate-live-demo.test.ts.',
        ], true),
      );
    }
    // The committed recording decides as the live run did too.
    const fixture = loadVolumeSeries(DEMO_TRAFFIC_FIXTURE);
    expect(simulatedDecision(simulateRollout(tightBudget, new VolumeSeries(fixture.firstSecond, fixture.counts)))).toEqual(liveDecision(live));
  }, 180_000);
});
