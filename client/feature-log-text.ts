// `feature log`: a flag's manual changes for people, oldest first, each with who, when, where and before → after.
import type { AuditEntry } from '../flags/audit-log';
import { utcText } from '../text/utc-text';
import { gatesText } from './feature-gates-text';

export function auditLogText(flag: string, entries: AuditEntry[]): string {
  if (entries.length === 0) return `no manual changes of ${flag} are recorded`;
  return entries
    .map((entry) => {
      const forced = entry.forced ? `  (--force: ${entry.rollout === 'running' ? 'a rollout was running' : 'could not check for a running rollout'})` : '';
      return `${utcText(entry.at)}  ${entry.env.padEnd(11)}  ${entry.by}: ${entry.command}${forced}\n    ${gatesText(entry.before)} → ${gatesText(entry.after)}`;
    })
    .join('\n');
}
