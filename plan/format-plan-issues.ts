// Turns zod issues into plan-author-facing lines: the field path, the value given, and what is allowed.
import type { z } from 'zod';

const MAX_VALUE_LENGTH = 80;

/** `plan.ramp.steps[2]` for the zod path ['ramp', 'steps', 2]. */
export function formatPlanPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${text}.${name}` : `${text}[${JSON.stringify(name)}]`;
  }, 'plan');
}

/** A short rendering of a value as the author wrote it: strings quoted, long values cut. */
export function describePlanValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // Plan values come from YAML or JSON, so JSON shows them as written (strings quoted); it cannot fail on such data.
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? typeof value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/**
 * One line per issue. `input` is what was validated, so a value that came from a default (absent in the input)
 * can be called out; `notes` names where other values came from, by path (`{ 'plan.requester': 'from --requested-by' }`).
 * Issues must come from a parse with `reportInput: true` to carry the value given.
 */
export function formatPlanIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  notes: Readonly<Record<string, string>> = {},
): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const path = issue.keys.length === 1 ? [...issue.path, ...issue.keys] : issue.path;
      return `${formatPlanPath(path)}: ${issue.message}`;
    }
    const path = formatPlanPath(issue.path);
    const given = valueAt(input, issue.path);
    const value = 'input' in issue ? issue.input : given.value;
    if (value === undefined) return `${path}: missing; ${issue.message}`;
    const note = notes[path] ?? (given.found ? undefined : 'the default');
    return `${path}: got ${describePlanValue(value)}${note === undefined ? '' : ` (${note})`}; ${issue.message}`;
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, key)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

/** Fallback messages for issues a field schema did not word itself; the per-field messages take precedence. */
export const planErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};
