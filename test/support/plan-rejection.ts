// Runs a plan operation that must fail and returns its PlanValidationError (anything else fails the test).
import { PlanValidationError } from '../../plan/plan-validation-error';

export function rejection(run: () => unknown): PlanValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof PlanValidationError) return error;
    throw error;
  }
  throw new Error('expected a PlanValidationError');
}
