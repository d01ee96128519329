// Posts a rollout notice as a note on GitLab issues (the rollout issue, the feature issue), at most once per notice.
import type { GitLabClient } from '../gitlab/gitlab-client';
import { createIssueNote, listIssueNotes } from '../gitlab/gitlab-issues-api';
import { ISSUE_REFERENCE_PATTERN, type NoticeAttempt, type RolloutNotice } from './rollout-notice';

/** The hidden marker by which a retried delivery finds the note it already posted. */
export function noticeMarker(id: string): string {
  return `<!-- rollout-notice:${id} -->`;
}

/** The note: the notice's text, the commands when it has some, and the marker. */
export function noteBody(notice: RolloutNotice): string {
  const lines = [`**${notice.flag}** — ${notice.text}`];
  if (notice.deadline) lines.push('', `Deadline: ${notice.deadline}`);
  if (notice.commands?.length) lines.push('', '```', ...notice.commands, '```');
  lines.push('', noticeMarker(notice.id));
  return lines.join('\n');
}

/** Posts `notice` on each of its issues unless a note with its marker is there already; one attempt record per issue. */
export async function announceOnIssues(client: GitLabClient, notice: RolloutNotice, signal?: AbortSignal): Promise<NoticeAttempt[]> {
  const attempts: NoticeAttempt[] = [];
  for (const reference of notice.issues ?? []) {
    const match = ISSUE_REFERENCE_PATTERN.exec(reference);
    const started = Date.now();
    const record = (fields: Partial<NoticeAttempt>) => attempts.push({ target: `issue ${reference}`, attempt: 1, at: new Date(started).toISOString(), ms: Date.now() - started, ...fields });
    if (!match) {
      record({ error: 'not an issue reference like group/project#123' });
      continue;
    }
    const [, project, iid] = match;
    try {
      const notes = await listIssueNotes(client, project!, Number(iid), signal);
      if (notes.some((note) => note.body.includes(noticeMarker(notice.id)))) {
        record({ status: 200, error: 'already posted' });
        continue;
      }
      await createIssueNote(client, project!, Number(iid), noteBody(notice), signal);
      record({ status: 201 });
    } catch (error) {
      record({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  return attempts;
}
