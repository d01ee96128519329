// One guard check in words for the report, with counts formatted: what was read, projected and decided.
import type { GuardRecord } from '../volume/guard-decision';
import { formatCount, formatNumber, formatUtc } from './format-report-values';

export function formatGuardRecord(record: GuardRecord): string {
  if (record.verdict === 'unreadable') return `${formatUtc(record.at)}: unreadable at ${formatNumber(record.percentage)} %: ${record.reason}`;
  const projection =
    record.projection === null
      ? ''
      : `; projected ${formatCount(record.projection)}/day${record.nextPercentage !== null ? ` at ${formatNumber(record.nextPercentage)} %` : ''}`;
  return (
    `${formatUtc(record.at)}: ${formatCount(record.count)} of ${formatCount(record.budgetPerDay)}/day on ${record.day}; ` +
    `${formatNumber(record.ratePerSecond)}/s over ${formatCount(record.windowSeconds)} s at ${formatNumber(record.percentage)} %${projection} → ${record.verdict}: ${record.reason}`
  );
}
