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

/** A duration text; `allowZero` admits "0s" (a soak may be skipped), otherwise it must be longer than zero. */
export function durationTextSchema(options: { allowZero: boolean }) {
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
      }
    });
}
