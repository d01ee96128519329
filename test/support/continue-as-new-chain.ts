// Follows a rollout's continue-as-new chain from its first run: each run's event count and the size of the state it got.
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export interface RunOfChain {
  runId: string;
  events: number;
  /** Bytes of the run's input (the plan and, after the first run, the state handed over). */
  inputBytes: number;
}

export async function continueAsNewChain(client: Client, handle: WorkflowHandleWithFirstExecutionRunId): Promise<RunOfChain[]> {
  const chain: RunOfChain[] = [];
  let runId: string | null | undefined = handle.firstExecutionRunId;
  while (runId) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    const inputBytes = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    chain.push({ runId, events: events.length, inputBytes });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return chain;
}
