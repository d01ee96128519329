// The rollout's structured log lines (decisions, breaches, rollback, end) through the workflow logger, which is silent during replay.
import { log } from '@temporalio/workflow';
import type { RolloutPlan } from '../plan/rollout-plan';

/** The fields every rollout log line carries besides the SDK's own (namespace, taskQueue, workflowId, runId, workflowType). */
export function rolloutLogFields(plan: RolloutPlan): { flag: string; environments: string[] } {
  return { flag: plan.flag, environments: [...plan.environments, 'production'] };
}

/** One line per message the rollout took or refused (signals, updates and their validators). */
export function logDecision(plan: RolloutPlan, fields: { decision: 'accepted' | 'refused'; message: string; stage: string; state: string; gate?: string; by?: string; reason?: string }): void {
  const line = { event: 'decision', ...rolloutLogFields(plan), ...fields };
  if (fields.decision === 'accepted') log.info(`${fields.message} accepted`, line);
  else log.warn(`${fields.message} refused: ${fields.reason ?? ''}`, line);
}

/** One line per volume-guard breach, with where the ramp was and what the reading said. */
export function logBreach(plan: RolloutPlan, { state, percentage, ...fields }: { cause: string; reason: string; state: string; stage: string; percentage: number; reading: unknown }): void {
  log.warn(`volume guard breach: ${fields.reason}; rolling back`, {
    event: 'breach',
    ...rolloutLogFields(plan),
    environment: 'production',
    ...fields,
    before: { state, percentage },
    after: { state: 'rolling-back' },
  });
}

/** The rollout's state changing for good: rollback started, or the rollout ended (completed, rolled back, failed). */
export function logStateChange(plan: RolloutPlan, { before, after, ...fields }: { before: string; after: string; stage: string; reason: string; by?: string }): void {
  const level = after === 'completed' ? 'info' : after === 'failed' ? 'error' : 'warn';
  log[level](`rollout ${before} → ${after}: ${fields.reason}`, { event: 'state', ...rolloutLogFields(plan), ...fields, before: { state: before }, after: { state: after } });
}
