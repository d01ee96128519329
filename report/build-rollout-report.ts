// Builds the rollout report model from a rollout's status (running or ended) and its per-minute Snowplow volume.
import type { MinuteSeries } from '../volume/read-sent-per-minute';
import { MS_PER_MINUTE, minutesBetween } from '../volume/read-sent-per-minute';
import type { RolloutStatus } from '../workflows/rollout-status';
import { productionActorIds } from '../flags/actor-id';
import { buildChecklist } from './report-checklist';
import { buildFlagChanges } from './report-flag-changes';
import { summariseGuard } from './report-guard';
import { decisionOf, percentageStepOf } from './report-steps';
import { ROLLOUT_REPORT_SCHEMA, type ReportOutcome, type ReportVolume, type RolloutReport } from './rollout-report';

/** Minutes in a UTC day: the budget line is budgetPerDay / MINUTES_PER_DAY. */
export const MINUTES_PER_DAY = 1440;

/** The per-minute series, or why it could not be read (the report renders without it then). */
export type VolumeInput = { series: MinuteSeries } | { unavailable: string };

/** The time the report covers: from the rollout's start to its end, or to `now` while it runs. */
export function reportTimeRange(status: RolloutStatus, now: Date): { start: Date; end: Date } {
  const start = new Date(status.startedAt);
  const end = status.endedAt ? new Date(status.endedAt) : now;
  return { start, end: end < start ? start : end };
}

/** Reads the series with `read` and builds the report; a failed read leaves the chart without its series and says why. */
export async function collectRolloutReport(
  status: RolloutStatus,
  read: (flag: string, start: Date, end: Date) => Promise<MinuteSeries>,
  now: Date = new Date(),
): Promise<RolloutReport> {
  const { start, end } = reportTimeRange(status, now);
  let volume: VolumeInput;
  try {
    volume = { series: await read(status.flag, start, end) };
  } catch (err) {
    volume = { unavailable: `could not read the per-minute Snowplow counters: ${err instanceof Error ? err.message : String(err)}` };
  }
  return buildRolloutReport(status, volume, now);
}

export function buildRolloutReport(status: RolloutStatus, volume: VolumeInput, now: Date = new Date()): RolloutReport {
  const { plan } = status;
  const pendingGate = status.pendingGate ? { gate: status.pendingGate, reason: status.pendingGateReason ?? null, deadline: status.gateDeadline ?? null } : null;
  return {
    schema: ROLLOUT_REPORT_SCHEMA,
    generatedAt: now.toISOString(),
    flag: status.flag,
    workflowId: status.workflowId,
    run: status.run ?? 1,
    requester: status.requester,
    approvers: status.approvers,
    operators: plan.operators ?? [],
    state: status.state,
    stage: status.stage,
    startedAt: status.startedAt,
    endedAt: status.endedAt,
    pendingGate,
    paused: pausedOf(status),
    plan: {
      environments: plan.environments,
      productionActors: productionActorIds(plan.production.actors),
      rampType: plan.ramp.type,
      rampSteps: plan.ramp.steps,
      soak: plan.ramp.soak,
      verification: plan.verification,
      guardInterval: plan.guard.interval,
      approvalTimeout: plan.approvalTimeout,
      readiness: plan.readiness ?? [],
    },
    checklist: buildChecklist(status),
    percentageSteps: status.steps.map(percentageStepOf).filter((s) => s !== null),
    decisions: status.steps.map(decisionOf).filter((d) => d !== null),
    flagChanges: buildFlagChanges(status),
    guard: summariseGuard(status),
    outcome: outcomeOf(status),
    refused: { count: status.refusedCount ?? status.refused?.length ?? 0, recent: status.refused ?? [] },
    volume: volumeOf(status, volume, now),
  };
}

function outcomeOf(status: RolloutStatus): ReportOutcome | null {
  const { outcome } = status;
  if (!outcome) return null;
  const state = status.state === 'completed' || status.state === 'rolled-back' || status.state === 'failed' ? status.state : 'rolling-back';
  return {
    state,
    cause: outcome.cause ?? null,
    reason: outcome.reason,
    by: outcome.by ?? null,
    at: outcome.at,
    restored: status.steps
      .filter((s) => s.stage === 'rollback' && s.environment !== undefined && s.gates !== undefined)
      .map((s) => ({ at: s.at, environment: s.environment!, gates: s.gates ?? null, action: s.action })),
    overwritten: (status.overwritten ?? []).map((o) => ({ at: o.at, environment: o.environment, expected: o.expected, found: o.found, restored: o.restored })),
  };
}

function volumeOf(status: RolloutStatus, input: VolumeInput, now: Date): ReportVolume {
  const budgetPerDay = status.plan.guard.budgetPerDay;
  const { start, end } = reportTimeRange(status, now);
  const { first, count } = minutesBetween(start, end);
  const base = {
    firstMinute: new Date(first * MS_PER_MINUTE).toISOString(),
    lastMinute: new Date((first + count - 1) * MS_PER_MINUTE).toISOString(),
    budgetPerDay,
    budgetPerMinute: budgetPerDay / MINUTES_PER_DAY,
  };
  if ('unavailable' in input) return { ...base, available: false, unavailableReason: input.unavailable, counts: [], total: 0, peak: null };
  const { series } = input;
  const firstOfSeries = Date.parse(series.firstMinute) / MS_PER_MINUTE;
  if (firstOfSeries !== first || series.counts.length !== count) {
    throw new Error(`the volume series (${series.counts.length} minutes from ${series.firstMinute}) does not cover the rollout (${count} minutes from ${base.firstMinute})`);
  }
  let total = 0;
  let peak: ReportVolume['peak'] = null;
  series.counts.forEach((n, i) => {
    total += n;
    if (n > 0 && (peak === null || n > peak.count)) peak = { minute: new Date((first + i) * MS_PER_MINUTE).toISOString(), count: n };
  });
  return { ...base, available: true, unavailableReason: null, counts: series.counts, total, peak };
}

/** `paused` of statuses that know pauses, when it has the expected shape; null otherwise. */
function pausedOf(status: RolloutStatus): RolloutReport['paused'] {
  const paused: unknown = (status as unknown as Record<string, unknown>).paused;
  if (typeof paused !== 'object' || paused === null) return null;
  const { by, reason, at } = paused as Record<string, unknown>;
  return typeof by === 'string' && typeof reason === 'string' && typeof at === 'string' ? { by, reason, at } : null;
}
