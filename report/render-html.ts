// Renders a rollout report as one self-contained HTML page: the outcome, the volume chart (inline SVG) and the checklist.
import { formatUtc } from './format-report-values';
import type { RolloutReport } from './rollout-report';
import { renderSvgChart } from './render-svg-chart';
import { escapeXml as x } from './xml-text';

export function renderHtml(report: RolloutReport): string {
  const outcome = report.outcome
    ? `${report.outcome.state}${report.outcome.cause ? ` (${report.outcome.cause})` : ''}${report.outcome.by ? ` by ${report.outcome.by}` : ''}, ${formatUtc(report.outcome.at)}: ${report.outcome.reason}`
    : `running: stage ${report.stage}${report.pendingGate ? `, waiting for approval at ${report.pendingGate.gate}` : ''}`;
  const items = report.checklist.map((item) => {
    const mark = item.status === 'done' ? '☑' : '☐';
    const when = item.doneAt ? ` (${formatUtc(item.doneAt)})` : item.status === 'done' ? '' : ` (${item.status})`;
    const decisions = item.decisions.map((d) => `<li>${x(`${formatUtc(d.at)}: ${d.gate} ${d.decision}${d.by ? ` by ${d.by}` : ''}${d.comment ? `: ${d.comment}` : ''}`)}</li>`);
    return `<li>${mark} ${x(item.title)}${x(when)}${decisions.length ? `<ul>${decisions.join('')}</ul>` : ''}</li>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    `<title>${x(`Rollout of ${report.flag}`)}</title>`,
    '</head>',
    '<body style="font-family: sans-serif; max-width: 1000px; margin: 1em auto;">',
    `<h1>${x(`Rollout of ${report.flag}: ${report.state}`)}</h1>`,
    `<p>${x(outcome)}</p>`,
    renderSvgChart(report).trimEnd(),
    '<h2>Rollout steps</h2>',
    `<ul style="list-style: none;">${items.join('')}</ul>`,
    `<p><small>${x(`Report of ${report.workflowId} (run ${report.run}), made ${formatUtc(report.generatedAt)} by rollout report.`)}</small></p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
