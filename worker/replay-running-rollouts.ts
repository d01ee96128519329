// Replays the histories of rollouts on a Temporal server against this code: run it before deploying a new worker.
import type { Client } from '@temporalio/client';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { ROLLOUT_WORKFLOW_OPTIONS } from './create-rollout-worker';

/** The rollouts a new worker would pick up: every running rollout workflow. */
export const RUNNING_ROLLOUTS_QUERY = "WorkflowType = 'rolloutWorkflow' AND ExecutionStatus = 'Running'";

export interface ReplayOutcome {
  workflowId: string;
  /** The replay error (a non-determinism error when this code would break the rollout), or null when it replays. */
  error: string | null;
}

/** Replays the current run of every workflow `query` finds; `options` defaults to this code's workflows. */
export async function replayRollouts(
  client: Client,
  query = RUNNING_ROLLOUTS_QUERY,
  options: ReplayWorkerOptions = ROLLOUT_WORKFLOW_OPTIONS,
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  const histories = client.workflow.list({ query }).intoHistories();
  for await (const result of Worker.runReplayHistories(options, histories)) {
    outcomes.push({ workflowId: result.workflowId, error: result.error ? String(result.error.message ?? result.error) : null });
  }
  return outcomes;
}
