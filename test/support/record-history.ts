// Adds a rollout's recorded history to the replay corpus (test/histories/<generation>/) when RECORD_HISTORIES is set.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { WorkflowHandle } from '@temporalio/client';

/** The corpus only grows: bump this when the workflow changes, so new recordings sit beside the old ones. */
export const HISTORY_GENERATION = 'v8';
export const HISTORIES_DIR = resolve(__dirname, '..', 'histories');

/** The corpus file of `scenario` in the current generation. */
export function historyFile(scenario: string, generation = HISTORY_GENERATION): string {
  return resolve(HISTORIES_DIR, generation, `${scenario}.json.gz`);
}

/**
 * With RECORD_HISTORIES=1 (`npm run record-histories`), writes the history of `handle`'s run — or of each run of a
 * continue-as-new chain, as `<scenario>.run-<n>` — unless that file exists: recorded histories are never re-recorded.
 */
export async function recordHistory(scenario: string, handle: WorkflowHandle, options: { runIds?: string[] } = {}): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const runs = options.runIds?.map((runId, i) => ({ name: `${scenario}.run-${i + 1}`, runId })) ?? [{ name: scenario, runId: undefined }];
  for (const { name, runId } of runs) {
    const file = historyFile(name);
    if (existsSync(file)) continue;
    const history = await handle.client.getHandle(handle.workflowId, runId).fetchHistory();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(`${JSON.stringify(history)}\n`));
  }
}
