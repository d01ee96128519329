// The worker's freeze source from its configuration: FREEZE_URL and/or open GitLab issues with FREEZE_GITLAB_LABEL.
import type { AppConfig } from '../config/load-config';
import { GitLabClient } from '../gitlab/gitlab-client';
import { httpFreezeSource, type FreezeSource } from './freeze-source';
import { allFreezeSources, gitlabIncidentFreezeSource } from './gitlab-incident-freeze-source';

/** Undefined when neither is configured (never frozen). */
export function freezeSourceOf(config: Pick<AppConfig, 'freezeUrl' | 'freezeIssues' | 'gitlab'>): FreezeSource | undefined {
  const sources: FreezeSource[] = [];
  if (config.freezeUrl) sources.push(httpFreezeSource(config.freezeUrl));
  if (config.freezeIssues) {
    if (!config.gitlab) throw new Error('FREEZE_GITLAB_PROJECT needs GITLAB_URL and GITLAB_TOKEN to read the issues');
    const client = new GitLabClient({ baseUrl: config.gitlab.url, token: config.gitlab.token });
    sources.push(gitlabIncidentFreezeSource(client, config.freezeIssues.project, config.freezeIssues.label));
  }
  return sources.length === 0 ? undefined : allFreezeSources(sources);
}
