// GitLab's Features API (`/api/v4/features`): the Flipper flags of one GitLab instance, for administrators.
import type { GitLabClient } from './gitlab-client';

/** The Flipper gates GitLab reports; gates at 0 or empty are left out of its answers. */
export type GitLabFeatureGate =
  | { key: 'boolean'; value: boolean }
  | { key: 'actors'; value: string[] }
  | { key: 'groups'; value: string[] }
  | { key: 'percentage_of_actors'; value: number }
  | { key: 'percentage_of_time'; value: number };

export interface GitLabFeature {
  name: string;
  /** `on` (boolean gate or a percentage of 100), `conditional` (another gate), `off`. */
  state: 'on' | 'off' | 'conditional';
  gates: GitLabFeatureGate[];
  definition?: Record<string, unknown> | null;
}

export type PercentageKey = 'percentage_of_actors' | 'percentage_of_time';

/**
 * `POST /features/:name`. `value`: true/false, or a percentage (of time unless `key` says actors); GitLab treats 0 as
 * false (every gate cleared) and 100 as true (the boolean gate, every other gate cleared). With actor parameters the
 * value is true or false and only those actors change; `key` cannot be combined with them.
 */
export interface SetFeatureParams {
  value: boolean | number;
  key?: PercentageKey;
  feature_group?: string;
  /** Usernames. */
  user?: readonly string[];
  /** Group full paths, e.g. `gitlab-org`. */
  group?: readonly string[];
  /** Group or user namespace paths. */
  namespace?: readonly string[];
  /** Project full paths, e.g. `gitlab-org/gitlab`. */
  project?: readonly string[];
  /** Repository paths, e.g. `gitlab-org/gitlab.git`. */
  repository?: readonly string[];
  /** Skip GitLab's checks, such as the flag's YAML definition. */
  force?: boolean;
}

const ACTOR_PARAMS = ['project', 'group', 'user', 'namespace', 'repository'] as const;

/** `GET /features`: every persisted feature with its gates (not paginated by GitLab). */
export async function listFeatures(client: GitLabClient, signal?: AbortSignal): Promise<GitLabFeature[]> {
  const { data } = await client.get<GitLabFeature[]>('/features', { signal });
  if (!Array.isArray(data)) throw new Error(`GitLab GET /api/v4/features on ${client.baseUrl} did not answer with a list`);
  return data;
}

/** One feature from `GET /features`, or `null` when it is not persisted. */
export async function getFeature(client: GitLabClient, name: string, signal?: AbortSignal): Promise<GitLabFeature | null> {
  return (await listFeatures(client, signal)).find((feature) => feature.name === name) ?? null;
}

/**
 * `POST /features/:name`; returns the feature as GitLab holds it afterwards. Setting a gate is idempotent (the same
 * call twice leaves the same gates), so the client may repeat it after a 5xx or a timeout.
 */
export async function setFeature(client: GitLabClient, name: string, params: SetFeatureParams, signal?: AbortSignal): Promise<GitLabFeature> {
  const { data } = await client.post<GitLabFeature>(`/features/${encodeURIComponent(name)}`, { body: setFeatureBody(params), idempotent: true, signal });
  return data;
}

/** `DELETE /features/:name`: removes the feature and its gates (204 whether or not it existed). */
export async function deleteFeature(client: GitLabClient, name: string, signal?: AbortSignal): Promise<void> {
  await client.delete(`/features/${encodeURIComponent(name)}`, { signal });
}

/**
 * `value` as GitLab reads it: `true`, `false` or a decimal percentage (`12.5`, never `1e-7`, which GitLab's
 * `^\d+(\.\d+)?$` would refuse).
 */
export function featureValueText(value: boolean | number): string {
  if (typeof value === 'boolean') return String(value);
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new Error(`Invalid feature value ${value}: a percentage from 0 to 100`);
  const text = String(value);
  return /^\d+(\.\d+)?$/.test(text) ? text : value.toFixed(12).replace(/\.?0+$/, '');
}

/** The request body: lists joined with commas, as the API takes them; refuses what GitLab would refuse. */
export function setFeatureBody(params: SetFeatureParams): Record<string, unknown> {
  const body: Record<string, unknown> = { value: featureValueText(params.value) };
  const actorParams = ACTOR_PARAMS.filter((name) => params[name] !== undefined && params[name].length > 0);
  if (params.key !== undefined) {
    if (actorParams.length > 0 || params.feature_group !== undefined) {
      throw new Error(`GitLab refuses "key" together with ${[...actorParams, ...(params.feature_group ? ['feature_group'] : [])].join(', ')}: they are mutually exclusive`);
    }
    body.key = params.key;
  }
  for (const name of actorParams) {
    const values = params[name] as readonly string[];
    for (const value of values) {
      if (value.includes(',') || value.trim() === '') throw new Error(`Invalid ${name} ${JSON.stringify(value)} for the Features API: a path without commas`);
    }
    body[name] = values.join(',');
  }
  if (params.feature_group !== undefined) body.feature_group = params.feature_group;
  if (params.force !== undefined) body.force = params.force;
  return body;
}
