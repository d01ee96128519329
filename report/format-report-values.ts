// Formats the report's numbers, times, gates and changes as plain text (callers escape it for Markdown or XML).
import { gateGroups, type FlagChange, type RecordedFlagGates } from '../flags/flag-gates';
import { utcText } from '../text/utc-text';

const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export { formatCount } from '../text/format-count';

/** A number with thousands separators and at most two decimals: 6,944.44. */
export function formatNumber(n: number): string {
  return DECIMAL.format(n);
}

/** An ISO time as `2026-05-01 10:00:01 UTC`; anything else unchanged. */
export function formatUtc(iso: string): string {
  return utcText(iso);
}

/** A span of time in words: `45 s`, `12 min 5 s`, `3 h 20 min`, `2 d 4 h`. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Gates in one line, e.g. `on; 50% of actors; actors: project:gitlab-org/gitlab`; `not set` when the flag does not exist or has no gate. */
export function formatGates(gates: RecordedFlagGates | null): string {
  if (gates === null) return 'not set';
  const parts: string[] = [];
  if (gates.boolean === true) parts.push('on');
  if (gates.boolean === false) parts.push('off');
  if (gates.percentageOfActors !== null) parts.push(`${formatNumber(gates.percentageOfActors)}% of actors`);
  if (gates.percentageOfTime !== null) parts.push(`${formatNumber(gates.percentageOfTime)}% of time`);
  if (gates.actors.length > 0) parts.push(`actors: ${gates.actors.join(', ')}`);
  if (gateGroups(gates).length > 0) parts.push(`groups: ${gateGroups(gates).join(', ')}`);
  return parts.length ? parts.join('; ') : 'not set';
}

/** A change in `feature set` words: `enable`, `add actors …`, `50% of actors`, `restore: …`. */
export function formatChange(change: FlagChange): string {
  switch (change.kind) {
    case 'boolean':
      return change.value ? 'enable (boolean gate on)' : 'disable (every gate cleared)';
    case 'actors':
      return `add actors ${change.actors.join(', ')}`;
    case 'remove-actors':
      return `remove actors ${change.actors.join(', ')}`;
    case 'groups':
      return `add groups ${change.groups.join(', ')}`;
    case 'remove-groups':
      return `remove groups ${change.groups.join(', ')}`;
    case 'percentage':
      return `${formatNumber(change.value)}% of ${change.gate === 'percentageOfActors' ? 'actors' : 'time'}`;
    case 'restore':
      return `restore: ${formatGates(change.gates)}`;
  }
}
