// Whether a commit has reached GitLab environments: each one's latest successful deployment contains it.
import { commitDeployment } from '../gitlab/gitlab-deployments-api';
import type { GitLabClient } from '../gitlab/gitlab-client';

export interface DeploymentCheckRequest {
  /** GitLab project (id or path) whose deployments are checked, e.g. `gitlab-org/gitlab`. */
  project: string;
  /** The full SHA of the change's merge commit. */
  commit: string;
  /** GitLab environment names, e.g. `gstg`, `gprd`. */
  environments: string[];
}

export interface EnvironmentDeployment {
  environment: string;
  deployed: boolean;
  /** The SHA of the environment's latest successful deployment (null: none yet). */
  sha: string | null;
  finishedAt: string | null;
}

export interface DeploymentCheck {
  /** Every environment runs the commit. */
  deployed: boolean;
  environments: EnvironmentDeployment[];
}

export async function checkDeployment(client: GitLabClient, { project, commit, environments }: DeploymentCheckRequest, signal?: AbortSignal): Promise<DeploymentCheck> {
  const results: EnvironmentDeployment[] = [];
  for (const environment of environments) {
    const { deployed, deployment } = await commitDeployment(client, project, environment, commit, signal);
    results.push({ environment, deployed, sha: deployment?.sha ?? null, finishedAt: deployment?.finished_at ?? null });
  }
  return { deployed: results.every((r) => r.deployed), environments: results };
}
