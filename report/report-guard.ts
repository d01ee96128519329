// Summarises the volume guard's decisions for the report: how many, the highest projection and count, and what stopped the rollout.
import type { GuardDecision, GuardRecord } from '../volume/guard-decision';
import type { RolloutStatus } from '../workflows/rollout-status';
import type { ReportGuard } from './rollout-report';

export function summariseGuard(status: RolloutStatus): ReportGuard {
  const decisions: GuardRecord[] = status.guard?.decisions ?? [];
  const verdicts: ReportGuard['verdicts'] = { 'within-budget': 0, 'over-budget': 0, 'projected-over-budget': 0, inconclusive: 0, unreadable: 0 };
  let highestProjection: ReportGuard['highestProjection'] = null;
  let highestDailyCount: ReportGuard['highestDailyCount'] = null;
  for (const record of decisions) {
    if (record.verdict in verdicts) verdicts[record.verdict] += 1;
    if (record.verdict === 'unreadable') continue;
    const d: GuardDecision = record;
    if (d.projection !== null && (highestProjection === null || d.projection > highestProjection.projection)) {
      highestProjection = { at: d.at, projection: d.projection, percentage: d.percentage, nextPercentage: d.nextPercentage, verdict: d.verdict };
    }
    if (highestDailyCount === null || d.count > highestDailyCount.count) highestDailyCount = { at: d.at, day: d.day, count: d.count };
  }
  return {
    budgetPerDay: status.plan.guard.budgetPerDay,
    checks: status.guard?.checks ?? decisions.length,
    kept: decisions.length,
    verdicts,
    highestProjection,
    highestDailyCount,
    stoppedBy: stoppedBy(status, decisions),
    last: status.lastVolume ?? decisions.at(-1) ?? null,
  };
}

/** The decision behind a guard-breach or projected-breach rollback: the last breaching one (the guard stops reading once it rolls back). */
function stoppedBy(status: RolloutStatus, decisions: GuardRecord[]): GuardRecord | null {
  const cause = status.outcome?.cause;
  if (cause !== 'guard-breach' && cause !== 'projected-breach') return null;
  const verdict = cause === 'guard-breach' ? 'over-budget' : 'projected-over-budget';
  return decisions.filter((d) => d.verdict === verdict).at(-1) ?? null;
}
