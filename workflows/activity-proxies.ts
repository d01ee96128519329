// The workflow's activity handles: forward steps give up after a few attempts, rollback steps never do.
import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import type { RolloutActivities } from '../activities/create-activities';
import { INVALID_FLAG_INPUT } from '../flags/invalid-flag-input';

/** Errors no retry can fix (the activities already raise them as non-retryable; listed here as well). */
const NON_RETRYABLE = [INVALID_FLAG_INPUT];

export function forwardOptions(summary?: string): ActivityOptions {
  return {
    summary,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

// Rollback must not give up while the flag store is unreachable: retry without an attempt limit.
export function rollbackOptions(summary?: string): ActivityOptions {
  return {
    summary,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

export const forward = proxyActivities<RolloutActivities>(forwardOptions());
export const rollback = proxyActivities<RolloutActivities>(rollbackOptions());
