// GitLab's Deployments and repository APIs: what an environment runs, and whether it contains a given commit.
import { GitLabApiError } from './gitlab-api-error';
import { projectPath, type GitLabClient } from './gitlab-client';

export interface GitLabDeployment {
  id: number;
  iid: number;
  ref: string;
  sha: string;
  status: 'created' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'blocked';
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  environment: { id: number; name: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface GitLabCommit {
  id: string;
  short_id: string;
  title: string;
  [field: string]: unknown;
}

/**
 * The newest successful deployment to `environment` (`GET /projects/:id/deployments?environment=…&status=success
 * &order_by=finished_at&sort=desc&per_page=1`), or `null` when it never had one.
 */
export async function latestSuccessfulDeployment(
  client: GitLabClient,
  project: string | number,
  environment: string,
  signal?: AbortSignal,
): Promise<GitLabDeployment | null> {
  const { data } = await client.get<GitLabDeployment[]>(`${projectPath(project)}/deployments`, {
    query: { environment, status: 'success', order_by: 'finished_at', sort: 'desc', per_page: 1 },
    signal,
  });
  return data[0] ?? null;
}

/** The merge base of two refs (`GET /projects/:id/repository/merge_base?refs[]=a&refs[]=b`), or `null` when they share none. */
export async function mergeBase(client: GitLabClient, project: string | number, refs: readonly [string, string], signal?: AbortSignal): Promise<GitLabCommit | null> {
  try {
    const { data } = await client.get<GitLabCommit>(`${projectPath(project)}/repository/merge_base`, { query: { refs }, signal });
    return data;
  } catch (err) {
    if (err instanceof GitLabApiError && err.status === 404 && /merge base/i.test(err.detail)) return null;
    throw err;
  }
}

/**
 * True when `commit` is `sha` or one of its ancestors — the deployed `sha` contains it — which is exactly when their
 * merge base is `commit` itself. Both must be full SHAs (a short one never equals the merge base's id).
 */
export async function isCommitDeployedIn(client: GitLabClient, project: string | number, commit: string, sha: string, signal?: AbortSignal): Promise<boolean> {
  if (commit === sha) return true;
  const base = await mergeBase(client, project, [commit, sha], signal);
  return base !== null && base.id === commit;
}

/** Whether the latest successful deployment of `environment` contains `commit`, and which deployment that was. */
export async function commitDeployment(
  client: GitLabClient,
  project: string | number,
  environment: string,
  commit: string,
  signal?: AbortSignal,
): Promise<{ deployed: boolean; deployment: GitLabDeployment | null }> {
  const deployment = await latestSuccessfulDeployment(client, project, environment, signal);
  if (deployment === null) return { deployed: false, deployment };
  return { deployed: await isCommitDeployedIn(client, project, commit, deployment.sha, signal), deployment };
}
