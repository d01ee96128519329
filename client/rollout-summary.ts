// One row of `rollout list`, read from what Temporal's visibility keeps of an execution: its search attributes and status.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { FINAL_STATES, GATES, STAGES, type GateName, type RolloutState, type Stage } from '../workflows/rollout-status';
import { FLAG_NAME, PENDING_GATE, REQUESTER, ROLLOUT_PERCENT, ROLLOUT_STAGE, ROLLOUT_STATE } from '../workflows/search-attributes';
import { isRolloutState } from './rollout-states';

export interface RolloutSummary {
  flag: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  execution: string;
  startedAt: string;
  closedAt: string | null;
  /**
   * The rollout's state from its search attributes; null when Temporal has none (a rollout started before they existed)
   * or when the execution closed without a final state (e.g. terminated): then `execution` says what Temporal knows.
   */
  state: RolloutState | null;
  stage: Stage | null;
  /** The gate waiting for a decision; null when none waits, or when unknown. */
  pendingGate: GateName | null;
  percentage: number | null;
  requester: string | null;
}

/** The row of one execution; no query to the workflow, so it needs no worker. */
export function summaryOf(info: Omit<WorkflowExecutionInfo, 'raw'>): RolloutSummary {
  const attributes = info.typedSearchAttributes;
  const execution = info.status.name;
  const recorded = attributes.get(ROLLOUT_STATE);
  const known = isRolloutState(recorded) ? recorded : null;
  // A closed execution whose last recorded state is not final ended outside the rollout's own logic (terminated, …).
  const state = known && (execution === 'RUNNING' || FINAL_STATES.includes(known)) ? known : null;
  const stage = attributes.get(ROLLOUT_STAGE);
  const gate = attributes.get(PENDING_GATE);
  const percentage = attributes.get(ROLLOUT_PERCENT);
  return {
    flag: attributes.get(FLAG_NAME) ?? info.workflowId.replace(/^rollout-/, ''),
    workflowId: info.workflowId,
    runId: info.runId,
    execution,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    state,
    stage: STAGES.includes(stage as Stage) ? (stage as Stage) : null,
    pendingGate: GATES.includes(gate as GateName) ? (gate as GateName) : null,
    percentage: typeof percentage === 'number' && Number.isFinite(percentage) ? percentage : null,
    requester: attributes.get(REQUESTER) ?? null,
  };
}
