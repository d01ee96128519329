// Formats whole numbers for people: thousands separated by commas, the same in the workflow, the CLI and reports.

/** `10000000` → `10,000,000`; non-integers keep up to one decimal (`1234.56` → `1,234.6`). Deterministic (no locale data). */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value * 10) / 10;
  const [whole, fraction] = Math.abs(rounded).toString().split('.');
  const grouped = (whole ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}
