// Reads a rollout plan from a YAML or JSON file and validates it, reporting file and syntax problems like plan problems.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { RolloutPlan } from './rollout-plan';
import { parsePlan, type PlanOverrides } from './parse-plan';
import { PlanValidationError } from './plan-validation-error';

/** Loads and validates the plan at `path` (YAML, or JSON, which is YAML too); errors name the file. */
export function loadPlanFile(path: string, overrides: PlanOverrides = {}): RolloutPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PlanValidationError(path, [readProblem(error)]);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new PlanValidationError(
      path,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position ? `line ${position.line}, column ${position.col}: ` : '';
        // yaml repeats the position and a code excerpt after the first line; the position is already in `where`.
        const firstLine = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${where}YAML syntax error: ${firstLine}`;
      }),
    );
  }
  return parsePlan(document.toJS(), overrides, path);
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'cannot read the plan file: no such file';
  if (code === 'EISDIR') return 'cannot read the plan file: it is a directory';
  return `cannot read the plan file: ${error instanceof Error ? error.message : String(error)}`;
}
