// Renders a rollout report as Markdown to paste into the GitLab rollout issue: the issue's checklist, filled in.
import { READINESS_ITEMS } from '../plan/readiness-items';
import { formatGuardRecord } from './format-guard-record';
import { formatChange, formatCount, formatGates, formatNumber, formatSpan, formatUtc } from './format-report-values';
import { codeSpan, escapeMarkdown as md } from './markdown-text';
import type { ReportChecklistItem, ReportDecision, ReportStep, RolloutReport } from './rollout-report';

const STATE_TITLES: Record<RolloutReport['state'], string> = {
  running: 'running',
  'awaiting-approval': 'awaiting approval',
  'rolling-back': 'rolling back',
  'rolled-back': 'rolled back',
  completed: 'completed',
  failed: 'failed (a restore could not be done)',
};

const ITEM_NOTES: Record<ReportChecklistItem['status'], string> = {
  done: '',
  'in-progress': ' _(in progress)_',
  'awaiting-approval': ' _(waiting for approval)_',
  stopped: ' _(stopped here)_',
  'not-reached': ' _(not reached)_',
};

/** A time from the report: formatted when it is one, otherwise escaped as the text it is. */
function time(iso: string): string {
  const text = formatUtc(iso);
  return text === iso ? md(iso) : text;
}

function people(names: readonly string[]): string {
  return names.length ? names.map(md).join(', ') : '—';
}

export function renderMarkdown(report: RolloutReport): string {
  const out: string[] = [];
  out.push(`## Rollout of ${md(report.flag)}: ${STATE_TITLES[report.state] ?? md(report.state)}`, '');
  out.push(...summaryTable(report), '');
  out.push('### Outcome', '', ...outcomeLines(report), '');
  out.push('### Rollout steps', '', ...checklistLines(report));
  out.push('### Flag changes', '', ...flagChangeLines(report), '');
  out.push('### Volume guard', '', ...guardLines(report), '');
  out.push('### Snowplow volume', '', ...volumeLines(report), '');
  if (report.refused.count > 0) out.push(`### Refused messages (${formatCount(report.refused.count)})`, '', ...refusedLines(report), '');
  out.push(`_Report of ${md(report.workflowId)} (run ${report.run}), made ${time(report.generatedAt)} by \`rollout report\`._`, '');
  return out.join('\n');
}

function summaryTable(report: RolloutReport): string[] {
  const { plan } = report;
  const ended = report.endedAt ? `${time(report.endedAt)} (after ${formatSpan(Date.parse(report.endedAt) - Date.parse(report.startedAt))})` : 'not yet';
  const rows: [string, string][] = [
    ['Flag', md(report.flag)],
    ['Workflow', `${md(report.workflowId)}, run ${report.run}`],
    ['State', `${md(report.state)} (stage ${md(report.stage)})`],
    ['Requested by', md(report.requester)],
    ['Approvers', people(report.approvers)],
    ['Operators', people(report.operators)],
    ['Started', time(report.startedAt)],
    ['Ended', ended],
    ['Environments', `${people(plan.environments)}, then production`],
    ['Ramp', `${plan.rampSteps.map((p) => `${formatNumber(p)} %`).join(', ')} of ${md(plan.rampType)}, soak ${md(plan.soak)}`],
    ['Verification', md(plan.verification)],
    ['Budget', `${formatCount(report.guard.budgetPerDay)} Snowplow events/day, guard every ${md(plan.guardInterval)}`],
  ];
  if (report.pendingGate) {
    const deadline = report.pendingGate.deadline ? `, deadline ${time(report.pendingGate.deadline)}` : '';
    rows.push(['Waiting for', `gate ${md(report.pendingGate.gate)}${deadline}${report.pendingGate.reason ? `: ${md(report.pendingGate.reason)}` : ''}`]);
  }
  if (report.paused) rows.push(['Paused', `since ${time(report.paused.at)} by ${md(report.paused.by)}: ${md(report.paused.reason)}`]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

function outcomeLines(report: RolloutReport): string[] {
  const { outcome } = report;
  if (!outcome) return [report.pendingGate ? `Running: waiting for approval at gate ${md(report.pendingGate.gate)}.` : `Running: stage ${md(report.stage)}.`];
  const lines: string[] = [];
  if (outcome.state === 'completed') {
    lines.push(`**Completed** ${time(outcome.at)}: ${md(outcome.reason)}`);
    return lines;
  }
  const label = outcome.state === 'failed' ? '**Rollback failed**' : outcome.state === 'rolling-back' ? '**Rolling back**' : '**Rolled back**';
  const cause = outcome.cause ? ` (cause: ${md(outcome.cause)})` : '';
  const by = outcome.by ? ` by ${md(outcome.by)}` : '';
  lines.push(`${label}${cause}${by}, ${time(outcome.at)}: ${md(outcome.reason)}`);
  if (outcome.restored.length) {
    lines.push('', 'The rollback restored the gates from before the rollout:');
    for (const r of outcome.restored) lines.push(`- ${md(r.environment)}: ${md(formatGates(r.gates))} (${time(r.at)}, ${md(r.action)})`);
  }
  if (outcome.overwritten.length) {
    lines.push('', 'It overwrote changes made by hand during the rollout (`overwritten`):');
    for (const o of outcome.overwritten) {
      lines.push(
        `- ${md(o.environment)}, ${time(o.at)}: found ${md(formatGates(o.found))}; the rollout had written ${md(formatGates(o.expected))}; restored ${md(formatGates(o.restored))}`,
      );
    }
  }
  return lines;
}

function checklistLines(report: RolloutReport): string[] {
  const lines: string[] = [];
  let section = '';
  for (const item of report.checklist) {
    if (item.section !== section) {
      if (section) lines.push('');
      section = item.section;
      lines.push(`#### ${md(section)}`, '');
    }
    const done = item.doneAt ? ` — ${time(item.doneAt)}` : '';
    lines.push(`- [${item.status === 'done' ? 'x' : ' '}] ${md(item.title)}${done}${ITEM_NOTES[item.status] ?? ''}`);
    if (item.command && item.stage !== 'ramp') lines.push(`  - ${codeSpan(item.command)}`);
    if (item.status === 'awaiting-approval' && report.pendingGate) {
      const deadline = report.pendingGate.deadline ? ` until ${time(report.pendingGate.deadline)}` : '';
      lines.push(`  - waiting for a decision at gate ${md(report.pendingGate.gate)}${deadline}${report.pendingGate.reason ? `: ${md(report.pendingGate.reason)}` : ''}`);
    }
    if (item.readiness) {
      for (const r of item.readiness) {
        const by = r.confirmed ? ` — confirmed by ${md(r.confirmedBy ?? 'someone')}, ${time(r.confirmedAt ?? '')}` : '';
        lines.push(`  - [${r.confirmed ? 'x' : ' '}] ${md(READINESS_ITEMS[r.item] ?? r.text)}${by}${r.required ? '' : ' (not required by the plan)'}`);
      }
    }
    if (item.rampSteps) {
      for (const step of item.rampSteps) {
        const command = item.command ? ` ${codeSpan(item.command.replace('<rollout-percentage>', String(step.percentage)))}` : '';
        lines.push(`  - [${step.setAt ? 'x' : ' '}] ${formatNumber(step.percentage)} %${step.setAt ? ` — set ${time(step.setAt)}` : ''}:${command}`);
      }
    }
    for (const step of item.steps) {
      if (item.stage === 'ramp' && step.environment === 'production' && step.percentage !== undefined) continue; // in rampSteps
      const decision = step.gate ? item.decisions.find((d) => d.at === step.at && d.gate === step.gate) : undefined;
      lines.push(`  - ${decision ? decisionLine(decision) : stepLine(step)}`);
    }
    if (item.status === 'stopped' && report.outcome) lines.push(`  - the rollout stopped here: ${md(report.outcome.reason)}`);
  }
  lines.push('');
  return lines;
}

function decisionLine(d: ReportDecision): string {
  const what = d.decision === 'approved' ? '**approved**' : d.decision === 'rejected' ? '**rejected**' : '**deadline passed** without a decision';
  const by = d.by ? ` by ${md(d.by)}` : '';
  const comment = d.comment ? `: “${md(d.comment)}”` : '';
  const confirmed = d.confirmed?.length ? ` (confirmed ${d.confirmed.map(md).join(', ')})` : '';
  return `${time(d.at)}: gate ${md(d.gate)} ${what}${by}${comment}${confirmed}`;
}

function stepLine(step: ReportStep): string {
  const parts = [`${time(step.at)}: ${md(step.action)}`];
  if (step.environment) parts.push(` on ${md(step.environment)}`);
  if (step.actors?.length) parts.push(` (${step.actors.map(md).join(', ')})`);
  if (step.by) parts.push(` by ${md(step.by)}`);
  if (step.comment) parts.push(`: “${md(step.comment)}”`);
  return parts.join('');
}

function flagChangeLines(report: RolloutReport): string[] {
  if (report.flagChanges.length === 0) return ['No flag changes yet.'];
  const unknown = 'not in the status';
  const lines = ['| Time | Environment | Change | Before | After |', '|---|---|---|---|---|'];
  for (const c of report.flagChanges) {
    const before = c.before === undefined ? `_${unknown}_` : md(formatGates(c.before));
    const after = c.after === undefined ? `_${unknown}_` : md(formatGates(c.after));
    lines.push(`| ${time(c.at)} | ${md(c.environment)} | ${md(formatChange(c.change))} | ${before} | ${after} |`);
  }
  if (report.flagChanges.some((c) => c.before === undefined)) {
    lines.push('', `_Before and after are replayed from the gates before the rollout: this rollout's status predates flag-change steps that record them._`);
  }
  return lines;
}

function guardLines(report: RolloutReport): string[] {
  const g = report.guard;
  if (g.checks === 0) return ['The guard has not read the volume yet (it watches once production is touched).'];
  const verdicts = Object.entries(g.verdicts)
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `${formatCount(n)} ${md(verdict)}`)
    .join(', ');
  const kept = g.kept < g.checks ? ` (the figures below are over the last ${formatCount(g.kept)})` : '';
  const lines = [`- ${formatCount(g.checks)} checks against the budget of ${formatCount(g.budgetPerDay)} events/day${kept}: ${verdicts}`];
  if (g.highestProjection) {
    const p = g.highestProjection;
    const at = p.nextPercentage !== null ? ` at ${formatNumber(p.nextPercentage)} % (measured at ${formatNumber(p.percentage)} %)` : ` at ${formatNumber(p.percentage)} %`;
    lines.push(`- highest projection: ${formatCount(p.projection)} events/day${at}, ${time(p.at)}: ${md(p.verdict)}`);
  }
  if (g.highestDailyCount) lines.push(`- highest daily count read: ${formatCount(g.highestDailyCount.count)} events on ${md(g.highestDailyCount.day)}`);
  if (g.stoppedBy) lines.push(`- **stopped the rollout**: ${md(formatGuardRecord(g.stoppedBy))}`);
  else if (g.last) lines.push(`- last check: ${md(formatGuardRecord(g.last))}`);
  return lines;
}

function volumeLines(report: RolloutReport): string[] {
  const v = report.volume;
  const budget = `budget ${formatNumber(v.budgetPerMinute)}/min (${formatCount(v.budgetPerDay)}/day ÷ 1,440 minutes)`;
  if (!v.available) return [`The per-minute series is not available: ${md(v.unavailableReason ?? 'unknown reason')}. The chart shows only the steps and gates.`];
  const minutes = v.counts.length;
  const peak = v.peak ? `; peak ${formatCount(v.peak.count)}/min at ${time(v.peak.minute)}` : '';
  const over = v.counts.filter((n) => n > v.budgetPerMinute).length;
  return [
    `${formatCount(v.total)} events sent behind the flag in ${formatCount(minutes)} minutes (${time(v.firstMinute)} to ${time(v.lastMinute)})${peak}; ${budget}; ` +
      `${formatCount(over)} minutes above the budget line. ${codeSpan(`rollout report ${report.flag} --format svg`)} draws the chart.`,
  ];
}

function refusedLines(report: RolloutReport): string[] {
  const lines = report.refused.recent.map((r) => {
    const about = [r.gate ? `gate ${md(r.gate)}` : '', r.by ? `by ${md(r.by)}` : ''].filter(Boolean).join(' ');
    return `- ${time(r.at)}: ${md(r.signal)}${about ? ` ${about}` : ''}: ${md(r.reason)}`;
  });
  if (report.refused.count > report.refused.recent.length) lines.push(`- … and ${formatCount(report.refused.count - report.refused.recent.length)} earlier ones`);
  return lines;
}
