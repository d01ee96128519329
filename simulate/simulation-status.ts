// A simulated rollout as the status a real one would have, so `rollout simulate --report` renders it with `rollout report`'s renderers.
import { buildRolloutReport } from '../report/build-rollout-report';
import type { RolloutReport } from '../report/rollout-report';
import { GUARD_DECISIONS_KEPT, rolloutWorkflowId, type RolloutState, type RolloutStatus } from '../workflows/rollout-status';
import type { SimulationResult } from './simulation-result';

const iso = (ms: number) => new Date(ms).toISOString();

/** The status the rollout's `status` query would answer where the simulation ended. */
export function simulationStatus(result: SimulationResult): RolloutStatus {
  const { plan, outcome } = result;
  const ended = outcome.result === 'completed' || outcome.result === 'rolled-back';
  const state: RolloutState = outcome.result === 'held' ? 'awaiting-approval' : outcome.result === 'series-ended' ? 'running' : outcome.result;
  const held = outcome.result === 'held';
  return {
    workflowId: `${rolloutWorkflowId(plan.flag)} (simulated)`,
    flag: plan.flag,
    requester: plan.requester,
    approvers: plan.approvers,
    stage: outcome.stage,
    state,
    pendingGate: held ? outcome.gate : null,
    pendingGateReason: held ? outcome.reason : null,
    gateDeadline: held && outcome.gateDeadline !== null ? iso(outcome.gateDeadline) : null,
    paused: null,
    percentage: outcome.percentage,
    lastVolume: result.checks.at(-1) ?? null,
    guard: { checks: result.checks.length, decisions: result.checks.slice(-GUARD_DECISIONS_KEPT), unreadableSince: null, nextCheckAt: null },
    steps: result.steps,
    refused: [],
    refusedCount: 0,
    overwritten: [],
    outcome: ended ? { ...(outcome.cause ? { cause: outcome.cause } : {}), reason: outcome.reason, at: iso(outcome.at) } : null,
    startedAt: iso(result.startMs),
    endedAt: ended ? iso(outcome.at) : null,
    run: 1,
    plan,
  };
}

/** The report model of the simulation, with the simulated Snowplow volume per minute as its chart's series. */
export function simulationReport(result: SimulationResult): RolloutReport {
  const end = new Date(result.outcome.at);
  return buildRolloutReport(simulationStatus(result), { series: result.traffic.perMinute(result.startMs, result.outcome.at) }, end);
}
