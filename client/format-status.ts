// Renders a rollout status for people: the stage, the gate, the guard and every step with its time.
import type { RolloutStatus, StepRecord } from '../workflows/rollout-status';

export function formatStatus(status: RolloutStatus): string {
  const lines = [
    `rollout of ${status.flag} (${status.workflowId})`,
    `  state:       ${status.state}`,
    `  stage:       ${status.stage}`,
    `  pending:     ${status.pendingGate ? `${status.pendingGate} (deadline ${status.gateDeadline})` : 'nothing'}`,
    `  percentage:  ${status.percentage}% of ${status.plan.ramp.type}`,
    `  volume:      ${
      status.lastVolume
        ? `${status.lastVolume.count} of ${status.lastVolume.budgetPerDay}/day on ${status.lastVolume.day} (${status.lastVolume.verdict})`
        : 'not read yet'
    }`,
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

export function formatStep(step: StepRecord): string {
  const parts = [step.at, step.stage.padEnd(17), step.action];
  if (step.environment) parts.push(`on ${step.environment}`);
  if (step.actors?.length) parts.push(`[${step.actors.join(', ')}]`);
  if (step.by) parts.push(`by ${step.by}`);
  if (step.comment) parts.push(`— ${step.comment}`);
  return parts.join('  ');
}
