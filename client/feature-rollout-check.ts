// Before a manual flag change: is a rollout of the flag running? A change then needs --force, as does not knowing.
import { WorkflowNotFoundError } from '@temporalio/client';
import { CliError, EXIT_CODES } from './cli-errors';
import type { RolloutClient } from './rollout-client';
import { summaryOf } from './rollout-summary';
import type { RolloutSeen } from '../flags/audit-log';

export interface RolloutCheck {
  seen: RolloutSeen;
  /** What was seen, for people: the running rollout's stage and state, or why Temporal gave no answer. */
  detail: string;
}

/** Asks Temporal (describe of `rollout-<flag>`, no worker needed) whether a rollout of `flag` is running. */
export async function checkRollout(rollouts: () => Promise<RolloutClient>, flag: string): Promise<RolloutCheck> {
  let handle;
  try {
    handle = (await rollouts()).handle(flag);
  } catch (err) {
    return { seen: 'unknown', detail: err instanceof Error ? err.message : String(err) };
  }
  try {
    const summary = summaryOf(await handle.describe());
    if (summary.execution !== 'RUNNING') return { seen: 'none', detail: `the last rollout of ${flag} has ended (${summary.state ?? summary.execution.toLowerCase()})` };
    const where = [summary.stage && `stage ${summary.stage}`, summary.state && `state ${summary.state}`, summary.pendingGate && `waiting at ${summary.pendingGate}`]
      .filter(Boolean)
      .join(', ');
    return { seen: 'running', detail: `a rollout of ${flag} is running (workflow ${handle.workflowId}${where ? `; ${where}` : ''})` };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { seen: 'none', detail: `no rollout of ${flag} was found` };
    return { seen: 'unknown', detail: `Temporal did not say whether a rollout of ${flag} is running: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Refuses a change while a rollout runs or when that cannot be checked, unless forced; a forced change past either
 * is announced through `warn`.
 */
export function guardManualChange(check: RolloutCheck, force: boolean, warn: (line: string) => void): void {
  if (check.seen === 'none') return;
  const risk =
    check.seen === 'running'
      ? `${check.detail}: the rollout will write over a manual change, and its rollback restores the gates it found before it started`
      : `cannot tell whether a rollout of this flag is running: ${check.detail}`;
  if (force) {
    warn(`warning: ${risk}; changing the flag anyway (--force)`);
    return;
  }
  throw new CliError(
    `${risk}. Nothing was changed; add --force to change the flag anyway`,
    check.seen === 'running' ? EXIT_CODES.refused : EXIT_CODES.unreachable,
  );
}
