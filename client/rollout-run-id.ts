// Which rollout a signed decision is for: the first run id of the workflow's chain (it stays through continue-as-new).
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { CliError, EXIT_CODES } from './cli-errors';

export interface RolloutRunId {
  /** The first run id of the chain (`workflowInfo().firstExecutionRunId` inside the workflow). */
  runId: string;
  /**
   * 'first-run-id': the server's WorkflowExecutionInfo.firstRunId. 'current-run-id': the server did not say (older
   * servers); the current run's id is used, which is right until the rollout first continues as new.
   */
  source: 'first-run-id' | 'current-run-id';
}

/** Describes the workflow behind `handle` and returns its first run id; throws CliError (not found) when there is none. */
export async function rolloutRunId(handle: WorkflowHandle, flag: string): Promise<RolloutRunId> {
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`no rollout of ${flag} was found (workflow ${handle.workflowId})`, EXIT_CODES.notFound);
    }
    throw err;
  }
  const first = description.raw.workflowExecutionInfo?.firstRunId;
  return first ? { runId: first, source: 'first-run-id' } : { runId: description.runId, source: 'current-run-id' };
}
