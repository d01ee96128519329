// Renders a rollout status for people: the stage, the gate, the guard and every step with its time, all text escaped.
import type { GuardRecord } from '../volume/guard-decision';
import { formatCount } from '../text/format-count';
import type { RolloutSummary } from './rollout-summary';
import type { RolloutStatus, StepRecord } from '../workflows/rollout-status';
import { escapeUnsafe } from '../workflows/safe-text';

/** Any value as one inert line: what people sent (names, comments, reasons) can never forge or colour output. */
const e = (value: unknown): string => escapeUnsafe(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));

export function formatStatus(status: RolloutStatus): string {
  const lines = [
    `rollout of ${e(status.flag)} (${e(status.workflowId)}${status.run > 1 ? `, run ${status.run}` : ''})`,
    `  state:       ${e(status.state)}`,
    `  stage:       ${e(status.stage)}`,
    `  pending:     ${status.pendingGate ? `${e(status.pendingGate)} (deadline ${e(status.gateDeadline)})` : 'nothing'}`,
    ...(status.pendingGateReason ? [`               ${e(status.pendingGateReason)}`] : []),
    ...(status.pendingGateApprovals && status.pendingGateApprovals.required > 1
      ? [
          `               approvals ${status.pendingGateApprovals.approvedBy.length} of ${status.pendingGateApprovals.required}` +
            ` (${status.pendingGateApprovals.approvedBy.map(e).join(', ') || 'none yet'}); may still approve: ${status.pendingGateApprovals.mayStillApprove.map(e).join(', ') || 'nobody'}`,
        ]
      : []),
    ...(status.paused ? [`  paused:      by ${e(status.paused.by)} since ${e(status.paused.at)}: ${e(status.paused.reason)}`] : []),
    ...(status.held
      ? [`  held:        ${e(status.held.kind)} since ${e(status.held.since)}${status.held.until ? ` until ${e(status.held.until)}` : ''}: ${e(status.held.reason)}`]
      : []),
    `  percentage:  ${status.percentage}% of ${e(status.plan.ramp.type)}`,
    `  volume:      ${status.lastVolume ? formatGuardDecision(status.lastVolume) : 'not read yet'}`,
    ...(status.lastVolume && 'rollingAverage' in status.lastVolume && status.lastVolume.rollingAverage !== null
      ? [`               rolling average ${formatCount(status.lastVolume.rollingAverage)}/day`]
      : []),
    `  guard:       ${status.guard.checks} checks${status.guard.nextCheckAt ? `; next ${e(status.guard.nextCheckAt)}` : ''}${
      status.guard.unreadableSince ? `; readings failing since ${e(status.guard.unreadableSince)}` : ''
    }`,
    `  requester:   ${e(status.requester)}; approvers: ${status.approvers.map(e).join(', ')}`,
  ];
  if (status.outcome) lines.push(`  outcome:     ${e(status.outcome.reason)}`);
  lines.push('  steps:');
  for (const step of status.steps) lines.push(`    ${formatStep(step)}`);
  for (const change of status.overwritten ?? []) {
    lines.push(`  overwritten by the rollback on ${e(change.environment)}: found ${e(change.found)}, the rollout had written ${e(change.expected)}`);
  }
  if (status.refused.length > 0) {
    const count = status.refusedCount ?? status.refused.length;
    lines.push(`  refused messages (${count}${count > status.refused.length ? `, the last ${status.refused.length} shown` : ''}):`);
    for (const r of status.refused) {
      const about = [r.gate, r.by && `by ${r.by}`].filter(Boolean).map(e).join(' ');
      lines.push(`    ${e(r.at)}  ${e(r.signal)}${about ? ` ${about}` : ''}: ${e(r.reason)}`);
    }
  }
  return lines.join('\n');
}

/** One line per guard check: today's count, the current rate, the projection and the verdict. */
export function formatGuardDecision(d: GuardRecord): string {
  if (d.verdict === 'unreadable') return `unreadable at ${e(d.at)}: ${e(d.reason)}`;
  const projection = d.projection === null ? '' : `; projected ${formatCount(d.projection)}/day${d.nextPercentage !== null ? ` at ${d.nextPercentage}%` : ''}`;
  return `${formatCount(d.count)} of ${formatCount(d.budgetPerDay)}/day on ${e(d.day)}; ${d.ratePerSecond.toFixed(2)}/s over ${d.windowSeconds}s${projection} → ${d.verdict}`;
}

export function formatStep(step: StepRecord): string {
  const parts = [e(step.at), e(step.stage).padEnd(17), step.gate && step.gate !== step.stage ? `${e(step.gate)} ${e(step.action)}` : e(step.action)];
  if (step.environment) parts.push(`on ${e(step.environment)}`);
  if (step.actors?.length) parts.push(`[${step.actors.map(e).join(', ')}]`);
  if (step.by) parts.push(`by ${e(step.by)}`);
  if (step.comment) parts.push(`— ${e(step.comment)}`);
  return parts.join('  ');
}

/** A table of rollouts: flag, state, stage, pending gate, percentage, requester, start and end; "-" where Temporal has nothing. */
export function formatRolloutList(rows: RolloutSummary[]): string {
  if (rows.length === 0) return 'no rollouts';
  const table = rows.map((r) => [
    e(r.flag),
    // Without a rollout state (started before the search attributes, or ended by Temporal): the execution's status.
    e(r.state ?? r.execution.toLowerCase()),
    e(r.stage ?? '-'),
    e(r.pendingGate ?? '-'),
    r.percentage === null ? '-' : `${r.percentage}%`,
    e(r.requester ?? '-'),
    r.startedAt,
    r.closedAt ?? '-',
  ]);
  const header = ['FLAG', 'STATE', 'STAGE', 'PENDING', 'PERCENT', 'REQUESTER', 'STARTED', 'ENDED'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  return [header, ...table].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
