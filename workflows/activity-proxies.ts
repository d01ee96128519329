// The workflow's activity handles: flag writes ride out store outages, rollback never gives up, guard reads are quick.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import { INVALID_FLAG_INPUT } from '../flags/invalid-flag-input';
import type { RolloutPlan } from '../plan/rollout-plan';

/** Errors no retry can fix (the activities already raise them as non-retryable; listed here as well). */
const NON_RETRYABLE = [INVALID_FLAG_INPUT];

/**
 * Flag writes on the way forward. Each attempt has 10 s (a killed worker's attempt is retried after that), and
 * attempts go on for the plan's `outageTolerance` (10 minutes by default) before the rollout rolls back.
 */
export function forwardActivities(plan: RolloutPlan, summary: string) {
  return proxyActivities<RolloutActivities>({
    summary,
    startToCloseTimeout: '10s',
    scheduleToCloseTimeout: plan.outageTolerance,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/** Restores: rolling back must not give up while the flag store is unreachable, so they retry without a limit. */
export function rollbackActivities(summary: string) {
  return proxyActivities<RolloutActivities>({
    summary,
    startToCloseTimeout: '10s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/**
 * Guard reads: local activities (one marker event each, so a check every interval stays cheap in history), a few
 * quick attempts; a read that still fails is recorded as unreadable by the guard, never a rollback by itself.
 */
export function guardReads(summary: string) {
  return proxyLocalActivities<RolloutActivities>({
    summary,
    startToCloseTimeout: '5s',
    scheduleToCloseTimeout: '15s',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/**
 * The marker at the end of a wait its timer ended (a local activity that does nothing): the code after the wait runs
 * in an activation of its own, with every message of the same workflow task already handled.
 */
export function waitEndMarker(summary: string) {
  return proxyLocalActivities<RolloutActivities>({ summary, startToCloseTimeout: '5s', retry: { initialInterval: '100ms', maximumInterval: '1s' } });
}

/** Guard reads as rollouts recorded before GUARD_WATCHES_EVERY_INTERVAL made them: activities that fail the rollout. */
export function legacyGuardReads(summary: string) {
  return proxyActivities<RolloutActivities>({
    summary,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}
