// The error thrown for a rollout plan that cannot be used, listing every problem found rather than only the first.
export class PlanValidationError extends Error {
  /** One line per problem, e.g. `plan.ramp.steps[2]: got 5; each step must be greater than the one before (10)`. */
  readonly issues: string[];
  /** Where the plan came from: a file path, or "plan" for a plan given in code. */
  readonly source: string;

  constructor(source: string, issues: string[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`${source}: invalid rollout plan (${count}):\n${issues.map((issue) => `  ${issue}`).join('\n')}`);
    this.name = this.constructor.name;
    this.source = source;
    this.issues = issues;
  }
}
