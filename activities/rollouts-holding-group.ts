// Which running rollouts hold an exclusive group: one visibility query through the activity's Temporal client.
import { Context } from '@temporalio/activity';
import { EXCLUSIVE_GROUP_PATTERN } from '../plan/rollout-plan-schema';
import { ROLLOUT_GROUP } from '../workflows/search-attributes';

export interface GroupHoldersRequest {
  group: string;
  /** The asking rollout, left out of the answer. */
  workflowId: string;
}

/** The workflow ids of the other running rollouts whose RolloutGroup is `group`. */
export async function rolloutsHoldingGroup({ group, workflowId }: GroupHoldersRequest): Promise<string[]> {
  // Validated by the plan schema; checked again because it goes into a query.
  if (!EXCLUSIVE_GROUP_PATTERN.test(group)) throw new Error(`not an exclusive group name: ${JSON.stringify(group)}`);
  const holders: string[] = [];
  const query = `${ROLLOUT_GROUP.name} = "${group}" AND ExecutionStatus = "Running"`;
  for await (const execution of Context.current().client.workflow.list({ query })) {
    if (execution.workflowId !== workflowId) holders.push(execution.workflowId);
  }
  return holders.sort();
}
