// A freeze source on GitLab: open issues with a label (e.g. `incident::active`, `change-lock`) in a project freeze production.
import type { GitLabClient } from '../gitlab/gitlab-client';
import { issuesWithLabels } from '../gitlab/gitlab-issues-api';
import type { FreezeSource } from './freeze-source';

/** Frozen while `project` has an open issue labelled `label`; the reason names the issues (their titles and links). */
export function gitlabIncidentFreezeSource(client: GitLabClient, project: string, label: string): FreezeSource {
  return {
    async check() {
      const open = await issuesWithLabels(client, project, [label]);
      if (open.length === 0) return { active: false };
      const named = open.slice(0, 3).map((issue) => `#${issue.iid} ${issue.title.slice(0, 120)} (${issue.web_url})`);
      const more = open.length > 3 ? ` and ${open.length - 3} more` : '';
      return { active: true, reason: `${open.length} open ${label} issue${open.length > 1 ? 's' : ''} in ${project}: ${named.join('; ')}${more}`, until: null };
    },
  };
}

/** Every source must be clear: the first active (or unreadable) one decides. */
export function allFreezeSources(sources: readonly FreezeSource[]): FreezeSource {
  return {
    async check() {
      for (const source of sources) {
        const state = await source.check();
        if (state.active) return state;
      }
      return { active: false };
    },
  };
}
