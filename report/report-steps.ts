// Reads a rollout status's steps for the report: decisions at gates and the percentages set, tolerant of fields it does not know.
import type { StepRecord } from '../workflows/rollout-status';
import type { ReportDecision, ReportPercentageStep, ReportStep } from './rollout-report';

/** The step as the report shows it: the known fields only, so fields added to steps later stay out of the stable model. */
export function reportStep(step: StepRecord): ReportStep {
  return {
    at: step.at,
    stage: step.stage,
    ...(step.gate !== undefined ? { gate: step.gate } : {}),
    action: step.action,
    ...(step.environment !== undefined ? { environment: step.environment } : {}),
    ...(step.actors !== undefined ? { actors: step.actors } : {}),
    ...(step.percentage !== undefined ? { percentage: step.percentage } : {}),
    ...(step.by !== undefined ? { by: step.by } : {}),
    ...(step.comment !== undefined ? { comment: step.comment } : {}),
    ...(step.confirmed !== undefined ? { confirmed: step.confirmed } : {}),
  };
}

/** What a gate step records: an approval, a rejection (its reason in `comment`) or the deadline passing; null for other steps. */
export function decisionOf(step: StepRecord): ReportDecision | null {
  if (!step.gate) return null;
  const decision = step.action === 'approved' ? 'approved' : step.action === 'rejected' ? 'rejected' : step.action.startsWith('gate deadline passed') ? 'deadline-passed' : null;
  if (decision === null) return null;
  return {
    at: step.at,
    gate: step.gate,
    stage: step.stage,
    decision,
    ...(step.by !== undefined ? { by: step.by } : {}),
    ...(step.comment !== undefined ? { comment: step.comment } : {}),
    ...(step.confirmed !== undefined ? { confirmed: step.confirmed } : {}),
  };
}

/** The production percentage a step set: a ramp step on production, or the global enable (100). */
export function percentageStepOf(step: StepRecord): ReportPercentageStep | null {
  if (step.environment !== 'production') return null;
  if (step.stage === 'ramp' && typeof step.percentage === 'number') return { at: step.at, percentage: step.percentage, stage: 'ramp' };
  if (step.stage === 'global') return { at: step.at, percentage: 100, stage: 'global' };
  return null;
}
