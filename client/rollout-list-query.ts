// The one visibility query behind `rollout list`: its filters, checked with the project's rules, as a Temporal list filter.
import { FLAG_NAME_RULE, isFlagName } from '../flags/flag-name';
import { isUsername, USERNAME_RULE } from '../plan/username';
import { GATES } from '../workflows/rollout-status';
import { FLAG_NAME, NO_PENDING_GATE, PENDING_GATE, REQUESTER, ROLLOUT_STATE } from '../workflows/search-attributes';
import { escapeUnsafe } from '../workflows/safe-text';
import { UsageError } from './cli-errors';
import { isRolloutState, ROLLOUT_STATES } from './rollout-states';

export interface RolloutListFilter {
  /** Include ended rollouts (by default only running ones are listed). */
  all?: boolean;
  flag?: string;
  /** A rollout state; a final one (completed, rolled-back, failed) lists ended rollouts without `all`. */
  state?: string;
  /** A gate, or "none" for rollouts that wait for no decision. */
  gate?: string;
  requester?: string;
}

/** The gates `--gate` takes: every gate, or "none". */
export const GATE_FILTERS: readonly string[] = [...GATES, NO_PENDING_GATE];

/** A string literal for a Temporal list filter: double-quoted, with backslashes and quotes escaped. */
export function visibilityString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A value someone typed, quoted and escaped for an error message. */
const shown = (value: string): string => `"${escapeUnsafe(value)}"`;

/** Checks every filter (a UsageError names the option, the value and what is allowed) and composes the list filter. */
export function rolloutListQuery(filter: RolloutListFilter = {}): string {
  const clauses = [`WorkflowType = ${visibilityString('rolloutWorkflow')}`];
  // A state names running or ended rollouts by itself; otherwise ended ones only with --all.
  if (!filter.all && filter.state === undefined) clauses.push(`ExecutionStatus = ${visibilityString('Running')}`);
  if (filter.flag !== undefined) {
    if (!isFlagName(filter.flag)) throw new UsageError(`--flag ${shown(filter.flag)}: ${FLAG_NAME_RULE}`);
    clauses.push(`${FLAG_NAME.name} = ${visibilityString(filter.flag)}`);
  }
  if (filter.state !== undefined) {
    if (!isRolloutState(filter.state)) throw new UsageError(`--state ${shown(filter.state)}: must be one of ${ROLLOUT_STATES.join(', ')}`);
    clauses.push(`${ROLLOUT_STATE.name} = ${visibilityString(filter.state)}`);
  }
  if (filter.gate !== undefined) {
    if (!GATE_FILTERS.includes(filter.gate)) throw new UsageError(`--gate ${shown(filter.gate)}: must be one of ${GATE_FILTERS.join(', ')}`);
    clauses.push(`${PENDING_GATE.name} = ${visibilityString(filter.gate)}`);
  }
  if (filter.requester !== undefined) {
    if (!isUsername(filter.requester)) throw new UsageError(`--requester ${shown(filter.requester)}: ${USERNAME_RULE}`);
    // Usernames are case-insensitive but Keyword matches are exact: match the name as typed and in lower case.
    const spellings = [...new Set([filter.requester, filter.requester.toLowerCase()])];
    clauses.push(`${REQUESTER.name} IN (${spellings.map(visibilityString).join(', ')})`);
  }
  return clauses.join(' AND ');
}
