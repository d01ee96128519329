// Renders a rollout status for people: the stage, the gate, the guard and every step with its time.
import type { GuardDecision } from '../volume/guard-decision';
import type { RolloutSummary } from './rollout-client';
import type { RolloutStatus, StepRecord } from '../workflows/rollout-status';

export function formatStatus(status: RolloutStatus): string {
  const lines = [
    `rollout of ${status.flag} (${status.workflowId})`,
    `  state:       ${status.state}`,
    `  stage:       ${status.stage}`,
    `  pending:     ${status.pendingGate ? `${status.pendingGate} (deadline ${status.gateDeadline})` : 'nothing'}`,
    ...(status.pendingGateReason ? [`               ${status.pendingGateReason}`] : []),
    `  percentage:  ${status.percentage}% of ${status.plan.ramp.type}`,
    `  volume:      ${status.lastVolume ? formatGuardDecision(status.lastVolume) : 'not read yet'}`,
    ...(status.lastVolume?.rollingAverage != null ? [`               rolling average ${status.lastVolume.rollingAverage}/day`] : []),
    `  guard:       ${status.guard.checks} checks`,
    `  requester:   ${status.requester}; approvers: ${status.approvers.join(', ')}`,
  ];
  if (status.outcome) lines.push(`  outcome:     ${status.outcome.reason}`);
  lines.push('  steps:');
  for (const step of status.steps) lines.push(`    ${formatStep(step)}`);
  if (status.refused.length > 0) {
    lines.push('  refused messages:');
    for (const r of status.refused) lines.push(`    ${r.at}  ${r.signal} ${r.gate} by ${r.by}: ${r.reason}`);
  }
  return lines.join('\n');
}

/** One line per guard decision: today's count, the current rate, the projection and the verdict. */
export function formatGuardDecision(d: GuardDecision): string {
  const projection = d.projection === null ? '' : `; projected ${d.projection}/day${d.nextPercentage !== null ? ` at ${d.nextPercentage}%` : ''}`;
  return `${d.count} of ${d.budgetPerDay}/day on ${d.day}; ${d.ratePerSecond.toFixed(2)}/s over ${d.windowSeconds}s${projection} → ${d.verdict}`;
}

export function formatStep(step: StepRecord): string {
  const parts = [step.at, step.stage.padEnd(17), step.gate && step.gate !== step.stage ? `${step.gate} ${step.action}` : step.action];
  if (step.environment) parts.push(`on ${step.environment}`);
  if (step.actors?.length) parts.push(`[${step.actors.join(', ')}]`);
  if (step.by) parts.push(`by ${step.by}`);
  if (step.comment) parts.push(`— ${step.comment}`);
  return parts.join('  ');
}

/** A table of rollouts: flag, rollout state, stage, pending gate, percentage, start and end. */
export function formatRolloutList(rows: RolloutSummary[]): string {
  if (rows.length === 0) return 'no rollouts';
  const table = rows.map((r) => [
    r.flag,
    r.state ?? r.execution.toLowerCase(),
    r.stage ?? '-',
    r.pendingGate ?? '-',
    r.percentage === null ? '-' : `${r.percentage}%`,
    r.startedAt,
    r.closedAt ?? '-',
  ]);
  const header = ['FLAG', 'STATE', 'STAGE', 'PENDING', 'PERCENT', 'STARTED', 'ENDED'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  return [header, ...table].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
