// Zod schema for a list whose items must not repeat, reporting each repeat at its own index.
import { z } from 'zod';

/**
 * A list of `item`s; `noun` names one item in messages ("approver"), `example` shows a valid list.
 * `ignoreCase` treats "Alice" and "alice" as the same item, as GitLab does for usernames and paths.
 */
export function uniqueListSchema<T extends z.ZodType>(
  item: T,
  noun: string,
  example: string,
  options: { ignoreCase?: boolean } = {},
) {
  return z.array(item, { error: `must be a list of ${noun}s, e.g. ${example}` }).superRefine(
    (items, ctx) => {
      const firstIndexOf = new Map<unknown, number>();
      items.forEach((value: unknown, index) => {
        const key = options.ignoreCase && typeof value === 'string' ? value.toLowerCase() : value;
        const first = firstIndexOf.get(key);
        if (first === undefined) {
          firstIndexOf.set(key, index);
        } else {
          ctx.addIssue({ code: 'custom', path: [index], input: value, message: `each ${noun} may appear only once; it is already at [${first}]` });
        }
      });
    },
    // Run even when another item has the wrong type, so a repeat is reported in the same pass.
    { when: (payload) => Array.isArray(payload.value) },
  );
}
