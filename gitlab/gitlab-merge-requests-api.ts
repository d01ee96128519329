// GitLab's Merge requests API: the commit a merged merge request put on its target branch.
import { projectPath, type GitLabClient } from './gitlab-client';

export interface GitLabMergeRequest {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  state: 'opened' | 'closed' | 'locked' | 'merged';
  /** The merge commit (null for a fast-forward or squash merge without one, or when not merged). */
  merge_commit_sha: string | null;
  squash_commit_sha: string | null;
  /** The head of the source branch. */
  sha: string;
  merged_at: string | null;
  web_url: string;
  [field: string]: unknown;
}

/** `GET /projects/:id/merge_requests/:iid`. */
export async function getMergeRequest(client: GitLabClient, project: string | number, iid: number, signal?: AbortSignal): Promise<GitLabMergeRequest> {
  if (!Number.isSafeInteger(iid) || iid <= 0) throw new Error(`Invalid merge request iid ${iid}: expected a positive integer`);
  return (await client.get<GitLabMergeRequest>(`${projectPath(project)}/merge_requests/${iid}`, { signal })).data;
}

/**
 * The commit that carries a merged MR onto its target branch: the merge commit, else the squash commit, else (a
 * fast-forward merge) the source head. `null` while the MR is not merged.
 */
export async function mergeRequestMergeCommit(client: GitLabClient, project: string | number, iid: number, signal?: AbortSignal): Promise<string | null> {
  const mr = await getMergeRequest(client, project, iid, signal);
  if (mr.state !== 'merged') return null;
  return mr.merge_commit_sha ?? mr.squash_commit_sha ?? mr.sha;
}
