// Zod schema for one mapping of the plan file that rejects unknown fields, suggesting the field probably meant.
import { z } from 'zod';

/** A strict object: a misspelt field such as `rmp` is an error rather than silently ignored, which would drop its settings. */
export function strictSectionSchema<S extends z.core.$ZodLooseShape>(shape: S) {
  const fields = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return unknownFieldsMessage(issue.keys, fields);
      if (issue.code === 'invalid_type') return `must be a mapping with the fields ${fields.join(', ')}`;
      return undefined;
    },
  });
}

function unknownFieldsMessage(keys: string[], fields: string[]): string {
  const described = keys.map((key) => {
    const guess = closestField(key, fields);
    return guess === undefined ? JSON.stringify(key) : `${JSON.stringify(key)} (did you mean "${guess}"?)`;
  });
  const subject = keys.length === 1 ? `unknown field ${described.join('')}` : `unknown fields ${described.join(', ')}`;
  return `${subject}; allowed fields are ${fields.join(', ')}`;
}

/** The field a typo most likely meant: same letters ignoring case and separators, or at most two edits away. */
export function closestField(key: string, fields: string[]): string | undefined {
  const normal = (text: string) => text.toLowerCase().replace(/[_\s-]/g, '');
  let best: { field: string; distance: number } | undefined;
  for (const field of fields) {
    const distance = editDistance(normal(key), normal(field));
    if (distance <= Math.min(2, Math.floor(field.length / 2)) && (best === undefined || distance < best.distance)) {
      best = { field, distance };
    }
  }
  return best?.field;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
