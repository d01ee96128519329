// How `rollout watch` shows a rollout: a block redrawn in place on a terminal, or one line per change when piped.
import type { GuardRecord } from '../volume/guard-decision';
import { formatCount } from '../text/format-count';
import { escapeUnsafe } from '../workflows/safe-text';
import type { WatchState } from './follow-rollout';
import { formatGuardDecision, formatStep } from './format-status';

const e = (value: string): string => escapeUnsafe(value);

/** An ISO 8601 time in UTC to the second: 2025-01-31T12:00:05Z. */
export function utcSeconds(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? e(iso) : time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** How long until `iso` from `nowMs`, in the two largest units: "in 9m 12s", "in 6d 23h", "now" once it has passed. */
export function timeUntil(iso: string, nowMs: number): string {
  const seconds = Math.floor((new Date(iso).getTime() - nowMs) / 1000);
  if (!Number.isFinite(seconds)) return '?';
  if (seconds <= 0) return 'now';
  const units: [string, number][] = [
    ['d', Math.floor(seconds / 86_400)],
    ['h', Math.floor(seconds / 3600) % 24],
    ['m', Math.floor(seconds / 60) % 60],
    ['s', seconds % 60],
  ];
  const first = units.findIndex(([, n]) => n > 0);
  return `in ${units
    .slice(first, first + 2)
    .map(([unit, n]) => `${n}${unit}`)
    .join(' ')}`;
}

/** An absolute UTC time and, with `nowMs`, how long until it. */
function when(iso: string, nowMs: number | null): string {
  return nowMs === null ? utcSeconds(iso) : `${utcSeconds(iso)} (${timeUntil(iso, nowMs)})`;
}

function shortVolume(d: GuardRecord): string {
  if (d.verdict === 'unreadable') return `volume unreadable since ${utcSeconds(d.at)}`;
  return `volume ${formatCount(d.count)} of ${formatCount(d.budgetPerDay)}/day → ${e(d.verdict)}`;
}

/** The state, from the status when a worker gave one, else from the execution's search attributes. */
function stateOf(w: WatchState): { state: string; stage: string; percentage: string; gate: string | null } {
  if (w.status) {
    const s = w.status;
    return { state: s.state, stage: s.stage, percentage: `${s.percentage}% of ${s.plan.ramp.type}`, gate: s.pendingGate };
  }
  const x = w.execution;
  return {
    state: x?.state ?? x?.execution.toLowerCase() ?? 'unknown',
    stage: x?.stage ?? 'unknown',
    percentage: x?.percentage === null || x?.percentage === undefined ? '?%' : `${x.percentage}%`,
    gate: x?.pendingGate ?? null,
  };
}

/** The block a terminal shows (redrawn in place): every countdown is computed from `nowMs`. */
export function formatWatchBlock(w: WatchState, nowMs: number): string[] {
  const s = w.status;
  const view = stateOf(w);
  const lines = [`rollout of ${e(w.flag)}: ${e(view.state)}${s ? '' : ' (from Temporal\'s search attributes; no status read yet)'}`];
  lines.push(`  stage:       ${e(view.stage)} at ${e(view.percentage)}`);
  if (s) {
    lines.push(`  volume:      ${s.lastVolume ? formatGuardDecision(s.lastVolume) : 'not read yet'}`);
    lines.push(`  next check:  ${s.guard.nextCheckAt ? when(s.guard.nextCheckAt, nowMs) : 'none scheduled'}`);
    lines.push(`  pending:     ${s.pendingGate ? `${e(s.pendingGate)}, deadline ${s.gateDeadline ? when(s.gateDeadline, nowMs) : 'none'}` : 'nothing'}`);
    if (s.pendingGateReason) lines.push(`               ${e(s.pendingGateReason)}`);
    const last = s.steps.at(-1);
    if (last) lines.push(`  last step:   ${formatStep(last)}`);
    if (s.outcome) lines.push(`  outcome:     ${e(s.outcome.reason)}`);
  } else {
    lines.push(`  pending:     ${view.gate ? e(view.gate) : 'nothing'}`);
  }
  if (w.ended?.reason) lines.push(`  ended:       ${e(w.ended.reason)}`);
  if (w.problem) lines.push(`  ! since ${utcSeconds(w.problem.since)}: ${e(w.problem.text)}`);
  lines.push(
    w.ended
      ? `  ended; exit code ${w.ended.exitCode}`
      : `  updated ${utcSeconds(new Date(nowMs).toISOString())}, every ${w.intervalMs / 1000}s; Ctrl-C stops watching (not the rollout)`,
  );
  return lines;
}

/**
 * One line for a log or a pipe. With `nowMs` null, the countdowns are left out: that line only changes when the rollout
 * does, so it tells whether to print a new one.
 */
export function formatWatchLine(w: WatchState, nowMs: number | null): string {
  const s = w.status;
  const view = stateOf(w);
  const parts = [e(view.state), `${e(view.stage)} ${e(view.percentage)}`];
  if (s) {
    parts.push(s.lastVolume ? shortVolume(s.lastVolume) : 'volume not read yet');
    if (s.guard.nextCheckAt) parts.push(`next check ${when(s.guard.nextCheckAt, nowMs)}`);
    if (s.pendingGate) parts.push(`pending ${e(s.pendingGate)}${s.gateDeadline ? ` until ${when(s.gateDeadline, nowMs)}` : ''}`);
    const last = s.steps.at(-1);
    if (last) parts.push(`last: ${e(last.stage)} ${e(last.action)}${last.by ? ` by ${e(last.by)}` : ''}`);
    if (s.outcome) parts.push(`outcome: ${e(s.outcome.reason)}`);
  } else if (view.gate) {
    parts.push(`pending ${e(view.gate)}`);
  }
  if (w.ended?.reason) parts.push(e(w.ended.reason));
  if (w.problem) parts.push(`! ${e(w.problem.text)}`);
  return parts.join('  ');
}
