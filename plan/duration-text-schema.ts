// Zod schema for plan durations such as "15m", "24h" or "7d", checked with `ms` (the parser Temporal uses too).
import ms from 'ms';
import { z } from 'zod';

const EXAMPLES = 'durations are strings like "15m", "24h", "7d", "90s", "500ms"';

// A number followed by a unit; `ms` alone would read a unitless "15" as 15 milliseconds, almost never what a plan author means.
const HAS_UNIT = /[a-z]\s*$/i;

/** Milliseconds in a duration text, or undefined when `ms` cannot read it or it has no unit. */
export function durationToMs(text: string): number | undefined {
  if (!HAS_UNIT.test(text)) return undefined;
  let millis: number | undefined;
  try {
    // `ms` throws on an empty string and returns undefined for text it does not recognise.
    millis = ms(text as ms.StringValue);
  } catch {
    return undefined;
  }
  return millis !== undefined && Number.isFinite(millis) ? millis : undefined;
}

/** Whether `ms` reads the text as a duration with a unit; narrows it to the `StringValue` type Temporal accepts. */
export function isDurationText(text: string): text is ms.StringValue {
  return durationToMs(text) !== undefined;
}

/** The longest duration a plan may give: a rollout runs for weeks, and every wait must fit a Temporal timer and a Date. */
export const MAX_DURATION_MS = 365 * 24 * 3_600_000;
export const MAX_DURATION_TEXT = '365d';

/**
 * A duration text of at most MAX_DURATION_TEXT; `allowZero` admits "0s" (a soak may be skipped), otherwise it must be
 * longer than zero; `minMs`/`minText` set a larger lower bound.
 */
export function durationTextSchema(options: { allowZero: boolean; minMs?: number; minText?: string }) {
  return z
    .string({
      error: (issue) =>
        typeof issue.input === 'number'
          ? `a bare number has no unit; ${EXAMPLES}`
          : `must be a duration; ${EXAMPLES}`,
    })
    .refine(isDurationText, `not a duration; ${EXAMPLES}`)
    .superRefine((text, ctx) => {
      const millis = durationToMs(text);
      if (millis === undefined) return; // already reported by the refine above
      if (millis < 0) {
        ctx.addIssue({ code: 'custom', input: text, message: `must not be negative; ${EXAMPLES}` });
      } else if (millis === 0 && !options.allowZero) {
        ctx.addIssue({ code: 'custom', input: text, message: `must be longer than zero; ${EXAMPLES}` });
      } else if (options.minMs !== undefined && millis < options.minMs && !(millis === 0 && options.allowZero)) {
        ctx.addIssue({ code: 'custom', input: text, message: `must be at least ${options.minText ?? `${options.minMs}ms`}` });
      } else if (millis > MAX_DURATION_MS) {
        ctx.addIssue({ code: 'custom', input: text, message: `must be at most ${MAX_DURATION_TEXT}` });
      }
    });
}
