// Text that people read (terminal, UI, reports): which characters may forge or hide output, and how to show them safely.

// Control characters (C0, DEL, C1), line and paragraph separators and bidi overrides can forge or hide text on a
// terminal or page ("staging-qa approved by alice" on a line of its own, colours, reordered characters).
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_CHARACTERS_GLOBAL = new RegExp(UNSAFE_CHARACTERS.source, 'gu');

/** True when `text` has a character that could forge or hide output. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_CHARACTERS.test(text);
}

/** `text` with every unsafe character written as a visible escape (`\n`, `\u001b`, …), so it prints as one inert line. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARACTERS_GLOBAL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Escaped and cut to at most `max` characters (with "…" when cut): for names and values recorded from untrusted input. */
export function cutText(text: string, max: number): string {
  const safe = escapeUnsafe(text);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}
