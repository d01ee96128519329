// The JSON posted for a notice: a Slack message (text and Block Kit blocks) with the structured notice under "notice".
import type { RolloutNotice } from './rollout-notice';

export interface NoticeBody {
  /** Plain one-line summary: Slack's notification text, and the fallback for clients without blocks. */
  text: string;
  blocks: SlackBlock[];
  /** The notice itself, unescaped, for endpoints other than Slack. */
  notice: RolloutNotice;
}

export type SlackBlock =
  | { type: 'section'; text: SlackText }
  | { type: 'section'; fields: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

export interface SlackText {
  type: 'mrkdwn';
  text: string;
}

// Slack's limits: 3,000 characters of section text, 2,000 per field, 10 fields.
const SECTION_LIMIT = 3000;
const FIELD_LIMIT = 2000;

export function noticeBody(notice: RolloutNotice): NoticeBody {
  const summary = `${notice.flag}: ${notice.text}`;
  const fields = [
    field('Flag', notice.flag),
    field('Gate', notice.gate),
    field('Deadline', notice.deadline),
    field('Percentage', notice.percentage === undefined ? undefined : `${notice.percentage} %`),
    field('Environment', notice.environment),
  ].filter((entry): entry is SlackText => entry !== undefined);
  const blocks: SlackBlock[] = [mrkdwnSection(`*${escapeSlack(notice.flag)}* — ${escapeSlack(notice.text)}`), { type: 'section', fields }];
  if (notice.commands && notice.commands.length > 0) {
    const code = notice.commands.map((command) => escapeSlack(command).replaceAll('```', "'''")).join('\n');
    blocks.push(mrkdwnSection(`\`\`\`\n${truncate(code, SECTION_LIMIT - 8)}\n\`\`\``));
  }
  blocks.push({ type: 'context', elements: [mrkdwn(escapeSlack(`${notice.kind} · ${notice.workflowId} · ${notice.at} · notice ${notice.id}`))] });
  return { text: truncate(escapeSlack(summary), SECTION_LIMIT), blocks, notice };
}

/** Slack reads &, < and > as control characters (links, @channel mentions): they are sent as entities. */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function field(label: string, value: string | undefined): SlackText | undefined {
  return value === undefined ? undefined : mrkdwn(truncate(`*${label}*\n${escapeSlack(value)}`, FIELD_LIMIT));
}

function mrkdwnSection(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(truncate(text, SECTION_LIMIT)) };
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text };
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
