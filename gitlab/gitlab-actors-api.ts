// Looks up the paths behind GitLab's Flipper actor ids (`Project:278964`, `Group:9970`, `User:1`, `Namespace:12`).
import { GitLabApiError } from './gitlab-api-error';
import type { GitLabClient } from './gitlab-client';

export type GitLabActorClass = 'Project' | 'Group' | 'User' | 'Namespace';

/** What an actor id names: a project or namespace path, a group path, or a username. */
export interface GitLabActorPath {
  actorClass: GitLabActorClass;
  id: number;
  /** `path_with_namespace`, `full_path` or `username`. */
  path: string;
}

const LOOKUPS: Record<GitLabActorClass, { resource: string; field: string }> = {
  Project: { resource: 'projects', field: 'path_with_namespace' },
  Group: { resource: 'groups', field: 'full_path' },
  User: { resource: 'users', field: 'username' },
  Namespace: { resource: 'namespaces', field: 'full_path' },
};

/** Splits a Flipper actor id into GitLab's class and numeric id; `null` when it is not one of the four classes. */
export function parseGitLabActorId(flipperId: string): { actorClass: GitLabActorClass; id: number } | null {
  const match = /^(Project|Group|User|Namespace|Namespaces::UserNamespace):(\d+)$/.exec(flipperId);
  if (!match) return null;
  const actorClass = (match[1] === 'Namespaces::UserNamespace' ? 'Namespace' : match[1]) as GitLabActorClass;
  return { actorClass, id: Number(match[2]) };
}

/** The path behind an actor id (`GET /projects/:id`, `/groups/:id`, `/users/:id`, `/namespaces/:id`); `null` on 404. */
export async function actorPath(client: GitLabClient, actorClass: GitLabActorClass, id: number, signal?: AbortSignal): Promise<GitLabActorPath | null> {
  const { resource, field } = LOOKUPS[actorClass];
  try {
    const { data } = await client.get<Record<string, unknown>>(`/${resource}/${id}`, { signal });
    const path = data?.[field];
    if (typeof path !== 'string' || path === '') throw new Error(`GitLab GET /api/v4/${resource}/${id} answered without a ${field}`);
    return { actorClass, id, path };
  } catch (err) {
    if (err instanceof GitLabApiError && err.status === 404) return null;
    throw err;
  }
}
