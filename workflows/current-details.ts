// Renders a rollout's status as the Temporal UI's "current details": the checklist, the pending gate and how to decide it.
import { formatCount } from '../text/format-count';
import { utcText } from '../text/utc-text';
import { gateCommands } from './gate-commands';
import { FINAL_STATES, STAGES, type RolloutStatus, type Stage, type StepRecord } from './rollout-status';

/** Markdown for the UI: a headline, one line per stage (✓ done, ▶ now, ○ to come, ✗ where it stopped), then the gate and guard. */
export function renderDetails(status: RolloutStatus, note: string): string {
  const lines = [headline(status), '', ...checklist(status), ''];
  if (status.paused) lines.push(`**⏸ paused** by ${status.paused.by} since ${utcText(status.paused.at)}: ${status.paused.reason}  `, '');
  if (status.held) {
    const until = status.held.until ? ` until ${utcText(status.held.until)}` : ' (checked again every few minutes)';
    lines.push(`**⏳ production change held** (${status.held.kind}) since ${utcText(status.held.since)}${until}: ${status.held.reason}  `, '');
  }
  if (status.pendingGate !== null) lines.push(...gateBlock(status), '');
  const guard = guardLine(status);
  if (guard !== null) lines.push(guard, '');
  if (note) lines.push(note);
  return lines.join('\n').trimEnd();
}

function headline(s: RolloutStatus): string {
  const where = s.pendingGate ? `gate **${s.pendingGate}**` : `stage **${s.stage}**`;
  return `**${s.flag}** · ${s.state} · ${where} · production at ${s.percentage}% · run ${s.run}`;
}

function checklist(s: RolloutStatus): string[] {
  const ended = FINAL_STATES.includes(s.state);
  const current = STAGES.indexOf(s.stage);
  // Every stage but the end, and the cleanup only for plans that have one; positions count in STAGES.
  return STAGES.map((stage, index) => ({ stage, index }))
    .filter(({ stage }) => stage !== 'completed' && (stage !== 'cleanup' || s.plan.cleanup !== undefined))
    .map(({ stage, index }) => {
    const last = lastStep(s.steps, stage);
    let mark: string;
    if (s.state === 'completed' || index < current) mark = '✓';
    else if (index === current) mark = ended || s.state === 'rolling-back' ? '✗' : '▶';
    else mark = '○';
    const done = last ? ` — ${last.action}${last.by ? ` by ${last.by}` : ''}, ${utcText(last.at)}` : '';
    return `- ${mark} **${stage}** ${stageSummary(s, stage)}${done}`;
  });
}

function stageSummary(s: RolloutStatus, stage: Stage): string {
  const { plan } = s;
  switch (stage) {
    case 'non-production':
      return `(${plan.environments.join(', ')})`;
    case 'ramp':
      return `(${plan.ramp.steps.join(' → ')} % of ${plan.ramp.type}, soak ${plan.ramp.soak})`;
    case 'verification':
      return `(${plan.verification})`;
    default:
      return '';
  }
}

function lastStep(steps: StepRecord[], stage: Stage): StepRecord | undefined {
  for (let i = steps.length - 1; i >= 0; i--) if (steps[i]!.stage === stage) return steps[i];
  return undefined;
}

function gateBlock(s: RolloutStatus): string[] {
  const gate = s.pendingGate!;
  const lines = [`**Waiting for a decision on ${gate}** until ${utcText(s.gateDeadline)} (then it rolls back)  `];
  if (s.pendingGateReason) lines.push(`Why: ${s.pendingGateReason}  `);
  const approvals = s.pendingGateApprovals;
  if (approvals && approvals.required > 1) {
    const soFar = approvals.approvedBy.length > 0 ? approvals.approvedBy.join(', ') : 'nobody yet';
    lines.push(`Approvals: ${approvals.approvedBy.length} of ${approvals.required} (${soFar}); may still approve: ${approvals.mayStillApprove.join(', ') || 'nobody'}  `);
  }
  // One option per line: the UI's details column is narrow and does not scroll code sideways.
  lines.push('Decide with:', '```', ...gateCommands(s.plan, gate).map((command) => command.replace(/ --/g, ' \\\n    --')), '```');
  return lines;
}

function guardLine(s: RolloutStatus): string | null {
  const v = s.lastVolume;
  if (v === null) return null;
  const budget = formatCount(v.budgetPerDay);
  const read = v.verdict !== 'unreadable' ? v : null;
  const count = read ? `${formatCount(read.count)} of ${budget} events today` : `budget ${budget}/day, reading failed`;
  const projection = read && read.projection !== null ? `, projected ${formatCount(read.projection)}/day` : '';
  const next = s.guard.nextCheckAt ? `; next check ${utcText(s.guard.nextCheckAt)}` : '';
  return `**Guard** ${count}${projection} — ${v.verdict} (${formatCount(s.guard.checks)} checks)${next}`;
}
