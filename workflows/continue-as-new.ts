// When and how a rollout run hands its whole state to a fresh run, so no run's history grows without bound.
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { CONTINUE_AS_NEW } from './patches';
import type { RolloutContext } from './rollout-context';
import type { rolloutWorkflow } from './rollout-workflow';

/** The most history events any run of a rollout may have, whatever its plan (Temporal terminates a run at 51,200). */
export const HISTORY_EVENTS_PER_RUN_LIMIT = 5000;
/** A run continues-as-new once its history has this many events (Temporal suggests it at 4,096; it refuses past 51,200). */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 4000;
/** … or this many bytes (Temporal warns at 10 MB; a flood of large refused signals grows bytes faster than events). */
export const CONTINUE_AS_NEW_AFTER_BYTES = 4 * 1024 * 1024;

/** True when this run should hand over; checked at every wait (and inside its condition, so a flood of messages wakes it). */
export function continueAsNewNeeded(): boolean {
  const info = workflowInfo();
  const long = info.historyLength >= CONTINUE_AS_NEW_AFTER_EVENTS || info.historySize >= CONTINUE_AS_NEW_AFTER_BYTES || info.continueAsNewSuggested;
  // patched() only once it matters: rollouts recorded before continue-as-new existed replay without it.
  return long && patched(CONTINUE_AS_NEW);
}

/** Waits for notifications under way and running message handlers, then continues-as-new with the plan and the whole state (never returns). */
export async function continueAsNewNow({ plan, progress, view }: RolloutContext): Promise<never> {
  await view.settle();
  await condition(allHandlersFinished);
  return continueAsNew<typeof rolloutWorkflow>({ plan, resume: progress.snapshot() });
}
