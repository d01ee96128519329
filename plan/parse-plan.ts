// Validates a raw rollout plan (parsed YAML or JSON), applies command-line overrides and fills the defaults.
import { rolloutPlanSchema } from './rollout-plan-schema';
import type { RolloutPlan } from './rollout-plan';
import { formatPlanIssues, formatPlanPath, planErrorMap } from './format-plan-issues';
import { PlanValidationError } from './plan-validation-error';

export interface PlanOverrides {
  /** The person starting the rollout (`--requested-by`); replaces the plan's requester. */
  requestedBy?: string;
  /** The flag the command named; the plan must be for this flag, or name none. */
  flag?: string;
}

/** Validates `raw` into a RolloutPlan; throws PlanValidationError listing every problem, prefixed with `source`. */
export function parsePlan(raw: unknown, overrides: PlanOverrides = {}, source = 'plan'): RolloutPlan {
  // An empty YAML file parses to null: treat it as a plan that takes every default.
  const input: unknown = raw === null || raw === undefined ? {} : raw;
  const problems: string[] = [];
  // Where values came from other than the plan, so an error about them points at the command line.
  const notes: Record<string, string> = {};
  let candidate = input;
  if (isRecord(input)) {
    const plan: Record<string, unknown> = { ...input };
    // The override goes in before validation, so the rule that approvers exclude the requester sees the real requester.
    if (overrides.requestedBy !== undefined) {
      plan.requester = overrides.requestedBy;
      notes[formatPlanPath(['requester'])] = 'from --requested-by';
    }
    if (overrides.flag !== undefined) {
      if (plan.flag === undefined) {
        plan.flag = overrides.flag;
        notes[formatPlanPath(['flag'])] = 'named by the command';
      } else if (typeof plan.flag === 'string' && plan.flag !== overrides.flag) {
        problems.push(
          `${formatPlanPath(['flag'])}: got ${JSON.stringify(plan.flag)}; the plan is for ${JSON.stringify(plan.flag)} but the command named ${JSON.stringify(overrides.flag)}`,
        );
      }
    }
    candidate = plan;
  }
  const result = rolloutPlanSchema.safeParse(candidate, { reportInput: true, error: planErrorMap });
  if (!result.success) problems.push(...formatPlanIssues(result.error.issues, candidate, notes));
  if (!result.success || problems.length > 0) throw new PlanValidationError(source, problems);
  return result.data;
}

/** The plan used when none is given: every default, for `flag`. */
export function defaultPlan(flag: string): RolloutPlan {
  return parsePlan({ flag });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
