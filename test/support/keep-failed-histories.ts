// Keeps the history of every rollout that failed to replay in .tools/failed-replays/, to replay and read afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ReplayOutcome } from '../../worker/replay-running-rollouts';

export const FAILED_REPLAYS_DIR = resolve(__dirname, '..', '..', '.tools', 'failed-replays');

/** Each outcome as `<workflowId>: replays`, or its error and the file its history was written to. */
export async function describeReplays(client: Client, outcomes: ReplayOutcome[]): Promise<string[]> {
  return Promise.all(
    outcomes.map(async ({ workflowId, error }) => {
      if (error === null) return `${workflowId}: replays`;
      const file = resolve(FAILED_REPLAYS_DIR, `${workflowId}-${Date.now()}.json`);
      mkdirSync(FAILED_REPLAYS_DIR, { recursive: true });
      writeFileSync(file, JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory()));
      return `${workflowId}: ${error} (history in ${file})`;
    }),
  );
}
