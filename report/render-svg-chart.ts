// Draws a rollout's Snowplow volume per minute against the budget, with its percentage steps, gates and rollback, as one self-contained SVG.
import { formatCount, formatNumber, formatUtc } from './format-report-values';
import type { RolloutReport } from './rollout-report';
import { escapeXml as x } from './xml-text';

const WIDTH = 960;
const HEIGHT = 490;
const PLOT = { left: 80, right: WIDTH - 30, top: 70, bottom: 320 };
const MINUTE_MS = 60_000;
/** Up to this many minutes every point also gets a dot with its count as a tooltip. */
const DOTS_UP_TO = 180;
const COLOURS = { series: '#1f4e79', budget: '#c0392b', step: '#2e86de', approved: '#27ae60', rejected: '#c0392b', deadline: '#e67e22', rollback: '#c0392b', grid: '#dddddd', text: '#222222' };

interface Marker {
  at: number;
  label: string;
  colour: string;
  dash: string | null;
  width: number;
  kind: string;
}

/** The chart as a standalone SVG document (no external references: fonts, styles and data are inline). */
export function renderSvgChart(report: RolloutReport): string {
  const v = report.volume;
  const t0 = Date.parse(v.firstMinute);
  const t1 = Date.parse(v.lastMinute) + MINUTE_MS;
  const plotW = PLOT.right - PLOT.left;
  const plotH = PLOT.bottom - PLOT.top;
  const xOf = (t: number) => PLOT.left + ((t - t0) / (t1 - t0)) * plotW;
  const peak = v.available ? Math.max(0, ...v.counts) : 0;
  const yMax = niceCeiling(Math.max(peak, v.budgetPerMinute) * 1.1);
  const yOf = (n: number) => PLOT.bottom - (n / yMax) * plotH;
  const r = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>${x(`Snowplow events per minute behind ${report.flag} during its rollout`)}</title>`,
    `<desc>${x(`Rollout ${report.workflowId}: ${report.state}; ${v.available ? `${v.counts.length} minutes, ${v.total} events` : `volume not available: ${v.unavailableReason ?? ''}`}`)}</desc>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="24" font-size="15" font-weight="bold" fill="${COLOURS.text}">${x(`Snowplow events per minute behind ${report.flag}`)}</text>`,
    `<text x="${PLOT.left}" y="42" fill="${COLOURS.text}">${x(
      `rollout ${report.state}; ${formatUtc(report.startedAt)} to ${report.endedAt ? formatUtc(report.endedAt) : `${formatUtc(report.generatedAt)} (running)`}`,
    )}</text>`,
  );

  // The rollout's own span inside its first and last minute, shaded.
  const spanFrom = Math.max(t0, Date.parse(report.startedAt));
  const spanTo = Math.min(t1, Date.parse(report.endedAt ?? report.generatedAt));
  if (spanTo > spanFrom) {
    parts.push(`<rect class="rollout-span" x="${r(xOf(spanFrom))}" y="${PLOT.top}" width="${r(xOf(spanTo) - xOf(spanFrom))}" height="${plotH}" fill="#eef4fa"/>`);
  }

  // Axes and grid.
  for (const tick of niceTicks(yMax)) {
    const y = r(yOf(tick));
    parts.push(
      `<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="${COLOURS.grid}" stroke-width="1"/>`,
      `<text x="${PLOT.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${COLOURS.text}">${formatCount(tick)}</text>`,
    );
  }
  const multiDay = t1 - t0 > 86_400_000;
  for (const tick of timeTicks(t0, t1)) {
    const xx = r(xOf(tick));
    const label = new Date(tick).toISOString().slice(multiDay ? 5 : 11, 16).replace('T', ' ');
    parts.push(
      `<line x1="${xx}" y1="${PLOT.bottom}" x2="${xx}" y2="${PLOT.bottom + 4}" stroke="${COLOURS.text}"/>`,
      `<text x="${xx}" y="${PLOT.bottom + 16}" text-anchor="middle" fill="${COLOURS.text}">${x(label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="${COLOURS.text}"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" stroke="${COLOURS.text}"/>`,
    `<text x="${PLOT.right}" y="${PLOT.bottom + 30}" text-anchor="end" fill="${COLOURS.text}">time (UTC)</text>`,
    `<text transform="rotate(-90 18 ${(PLOT.top + PLOT.bottom) / 2})" x="18" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" fill="${COLOURS.text}">events per minute</text>`,
  );

  // Budget line.
  const budgetY = r(yOf(v.budgetPerMinute));
  parts.push(
    `<line class="budget" x1="${PLOT.left}" y1="${budgetY}" x2="${PLOT.right}" y2="${budgetY}" stroke="${COLOURS.budget}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${PLOT.left + 4}" y="${Number(budgetY) - 5}" fill="${COLOURS.budget}">${x(`budget ${formatNumber(v.budgetPerMinute)}/min`)}</text>`,
  );

  // Markers: percentage steps, gate decisions, rollback.
  for (const m of markers(report)) {
    if (m.at < t0 || m.at > t1) continue;
    const xx = r(xOf(m.at));
    parts.push(
      `<line class="marker ${m.kind}" x1="${xx}" y1="${PLOT.top}" x2="${xx}" y2="${PLOT.bottom}" stroke="${m.colour}" stroke-width="${m.width}"${m.dash ? ` stroke-dasharray="${m.dash}"` : ''}><title>${x(m.label)}</title></line>`,
      `<text transform="rotate(-90 ${xx} ${PLOT.top + 4})" x="${xx}" y="${PLOT.top + 4}" dx="-2" dy="-3" text-anchor="end" font-size="10" fill="${m.colour}">${x(m.label)}</text>`,
    );
  }

  // The series: one point per minute.
  if (v.available) {
    const points = v.counts.map((n, i) => `${r(xOf(t0 + i * MINUTE_MS + MINUTE_MS / 2))},${r(yOf(n))}`);
    parts.push(`<polyline class="volume-series" data-minutes="${v.counts.length}" fill="none" stroke="${COLOURS.series}" stroke-width="1.5" stroke-linejoin="round" points="${points.join(' ')}"/>`);
    if (v.counts.length <= DOTS_UP_TO) {
      v.counts.forEach((n, i) => {
        const t = t0 + i * MINUTE_MS;
        parts.push(
          `<circle class="minute" cx="${r(xOf(t + MINUTE_MS / 2))}" cy="${r(yOf(n))}" r="2.5" fill="${COLOURS.series}"><title>${x(`${formatUtc(new Date(t).toISOString())}: ${formatCount(n)} events`)}</title></circle>`,
        );
      });
    }
  } else {
    parts.push(
      `<text class="unavailable" x="${(PLOT.left + PLOT.right) / 2}" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" fill="${COLOURS.budget}">${x(
        `per-minute volume not available: ${v.unavailableReason ?? 'unknown reason'}`,
      )}</text>`,
    );
  }

  parts.push(...legend(report));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function markers(report: RolloutReport): Marker[] {
  const list: Marker[] = report.percentageSteps.map((s) => ({
    at: Date.parse(s.at),
    label: s.stage === 'global' ? 'enabled globally (100 %)' : `${formatNumber(s.percentage)} % of ${report.plan.rampType}`,
    colour: COLOURS.step,
    dash: null,
    width: 1.5,
    kind: 'percentage-step',
  }));
  for (const d of report.decisions) {
    const colour = d.decision === 'approved' ? COLOURS.approved : d.decision === 'rejected' ? COLOURS.rejected : COLOURS.deadline;
    const label = d.decision === 'deadline-passed' ? `${d.gate}: deadline passed` : `${d.gate} ${d.decision}${d.by ? ` by ${d.by}` : ''}`;
    list.push({ at: Date.parse(d.at), label, colour, dash: '4 3', width: 1.2, kind: 'gate' });
  }
  const { outcome } = report;
  if (outcome && outcome.state !== 'completed') {
    list.push({ at: Date.parse(outcome.at), label: `rollback${outcome.cause ? `: ${outcome.cause}` : ''}`, colour: COLOURS.rollback, dash: null, width: 3, kind: 'rollback' });
  }
  return list.filter((m) => !Number.isNaN(m.at));
}

function legend(report: RolloutReport): string[] {
  const v = report.volume;
  const y0 = PLOT.bottom + 50;
  const rows: { swatch: string; text: string }[] = [
    { swatch: `stroke="${COLOURS.series}" stroke-width="2"`, text: 'Snowplow events sent behind the flag per minute (UTC minutes, from the per-minute counters of the tracking path)' },
    {
      swatch: `stroke="${COLOURS.budget}" stroke-width="1.5" stroke-dasharray="6 4"`,
      text: `budget per minute = ${formatCount(v.budgetPerDay)} events/day ÷ 1,440 minutes = ${formatNumber(v.budgetPerMinute)}: the daily budget spread evenly over the day`,
    },
    { swatch: 'stroke="none"', text: '(the guard itself judges the day’s count and the projected day, not single minutes)' },
    { swatch: `stroke="${COLOURS.step}" stroke-width="1.5"`, text: 'production percentage set by the ramp, or the global enable' },
    { swatch: `stroke="${COLOURS.approved}" stroke-width="1.2" stroke-dasharray="4 3"`, text: 'gate approved (red: rejected, orange: deadline passed)' },
    { swatch: `stroke="${COLOURS.rollback}" stroke-width="3"`, text: 'rollback started; the shaded band is the rollout, from its start to its end (or now)' },
  ];
  const out = rows.flatMap((row, i) => {
    const y = y0 + i * 17;
    return [`<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.left + 28}" y2="${y}" ${row.swatch}/>`, `<text x="${PLOT.left + 36}" y="${y}" dominant-baseline="middle" fill="${COLOURS.text}">${x(row.text)}</text>`];
  });
  if (v.available && v.counts.length > 0) {
    const summary = `${formatCount(v.total)} events in ${formatCount(v.counts.length)} minutes${v.peak ? `; peak ${formatCount(v.peak.count)}/min at ${formatUtc(v.peak.minute)}` : ''}`;
    out.push(`<text x="${PLOT.left}" y="${y0 + rows.length * 17 + 4}" dominant-baseline="middle" fill="${COLOURS.text}">${x(summary)}</text>`);
  }
  return out;
}

/** The smallest "nice" number (1, 2 or 5 × 10^n) at least `n`; 1 for nothing to show. */
export function niceCeiling(n: number): number {
  if (!(n > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * magnitude >= n) return f * magnitude;
  return 10 * magnitude;
}

function niceTicks(max: number): number[] {
  const step = niceCeiling(max / 5);
  const ticks: number[] = [];
  for (let t = 0; t <= max + step / 1000; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return ticks;
}

const TIME_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];

/** At most 8 tick times on whole steps of minutes, hours or days (UTC). */
function timeTicks(t0: number, t1: number): number[] {
  const span = (t1 - t0) / MINUTE_MS;
  const stepMin = TIME_STEPS_MIN.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / 1440) * 1440;
  const step = stepMin * MINUTE_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}
