// Puts untrusted text into Markdown (GitLab issues) as inert text: no formatting, links, HTML, mentions or references.
import { escapeUnsafe } from '../workflows/safe-text';

// The characters that can start formatting, links, HTML, code, tables or GitLab's {+ +} diffs anywhere inside a line,
// and those of GitLab references (@user #123 !123 ~label %milestone &epic $snippet, and !, ~, & of images, strikethrough
// and entities) when something follows them. Text is never at the start of a line (newlines are made visible), so
// line-start markers (-, +, 1., #, >) cannot act. CommonMark lets any ASCII punctuation be backslash-escaped, and
// GitLab leaves escaped reference characters unlinked.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|{}]|[!~&@#$%](?=\S)/g;

/** `text` as one line of literal Markdown text, safe in a paragraph, a list item or a table cell. */
export function escapeMarkdown(text: string): string {
  return escapeUnsafe(text).replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** `text` as an inline code span (for commands), fenced with more backticks than it holds; references are not linked in code. */
export function codeSpan(text: string): string {
  const safe = escapeUnsafe(text);
  const longestRun = Math.max(0, ...(safe.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}
