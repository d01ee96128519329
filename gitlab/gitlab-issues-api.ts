// GitLab's Issues and Notes APIs: comment on an issue, and list the open issues with given labels (freeze checks).
import { projectPath, type GitLabClient } from './gitlab-client';

export interface GitLabNote {
  id: number;
  body: string;
  author: { id: number; username: string; [field: string]: unknown };
  created_at: string;
  noteable_type: string;
  noteable_iid: number;
  [field: string]: unknown;
}

export interface GitLabIssue {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  state: 'opened' | 'closed';
  labels: string[];
  web_url: string;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** GitLab's limit on a note's body. */
export const NOTE_MAX_LENGTH = 1_000_000;

/**
 * `POST /projects/:id/issues/:iid/notes`. Not repeated after a 5xx or a timeout (GitLab may have created the note:
 * a second attempt would post it twice); the caller decides, e.g. by looking for its note first.
 */
export async function createIssueNote(client: GitLabClient, project: string | number, issueIid: number, body: string, signal?: AbortSignal): Promise<GitLabNote> {
  if (!Number.isSafeInteger(issueIid) || issueIid <= 0) throw new Error(`Invalid issue iid ${issueIid}: expected a positive integer`);
  if (typeof body !== 'string' || body.trim() === '') throw new Error('A note needs a non-empty body');
  if (body.length > NOTE_MAX_LENGTH) throw new Error(`A note's body is at most ${NOTE_MAX_LENGTH} characters, got ${body.length}`);
  return (await client.post<GitLabNote>(`${projectPath(project)}/issues/${issueIid}/notes`, { body: { body }, signal })).data;
}

/** `GET /projects/:id/issues/:iid/notes`, every page: e.g. to see whether a note was already posted. */
export async function listIssueNotes(client: GitLabClient, project: string | number, issueIid: number, signal?: AbortSignal): Promise<GitLabNote[]> {
  return client.getAll<GitLabNote>(`${projectPath(project)}/issues/${issueIid}/notes`, { signal });
}

/**
 * Issues carrying every one of `labels` (`GET /projects/:id/issues?labels=a,b&state=opened`), every page. E.g.
 * `issuesWithLabels(client, 'gitlab-com/gl-infra/production', ['incident::active'])` for a freeze check.
 */
export async function issuesWithLabels(
  client: GitLabClient,
  project: string | number,
  labels: readonly string[],
  state: 'opened' | 'closed' | 'all' = 'opened',
  signal?: AbortSignal,
): Promise<GitLabIssue[]> {
  if (labels.length === 0) throw new Error('issuesWithLabels needs at least one label');
  for (const label of labels) if (label.includes(',') || label.trim() === '') throw new Error(`Invalid label ${JSON.stringify(label)}: a label without commas`);
  return client.getAll<GitLabIssue>(`${projectPath(project)}/issues`, { query: { labels: labels.join(','), state }, signal });
}
