// Writes an instant for people as an absolute UTC time, so it never goes stale the way "in 10m" does.

/** An ISO 8601 time as `2026-11-30 10:15:00 UTC`; `—` for null, anything unparseable unchanged. */
export function utcText(iso: string | null): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
