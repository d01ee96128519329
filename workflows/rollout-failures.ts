// How a rollout that did not complete closes: as a failed workflow with its own failure type and the final status.
import { ApplicationFailure } from '@temporalio/workflow';
import type { RolloutStatus } from './rollout-status';

/** Every touched environment was restored: the rollout's safety net did its job, and says why it had to. */
export const ROLLED_BACK_FAILURE = 'RolloutRolledBack';
/** A restore itself failed: some environment may still have the rollout's gates. Needs a person. */
export const ROLLBACK_FAILED_FAILURE = 'RolloutRollbackFailed';

/** The non-retryable failure a rolled-back (or failed) rollout closes with; its details hold the final status. */
export function rolloutFailure(status: RolloutStatus): ApplicationFailure {
  return ApplicationFailure.create({
    type: status.state === 'failed' ? ROLLBACK_FAILED_FAILURE : ROLLED_BACK_FAILURE,
    message: `${status.flag}: ${status.state} — ${status.outcome?.reason ?? 'no reason recorded'}`,
    nonRetryable: true,
    details: [status],
  });
}
