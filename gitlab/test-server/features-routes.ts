// The test server's Features API: list, set (with GitLab's Admin::SetFeatureFlagService rules) and delete.
import { FlipperFeature } from './flipper-feature';
import { badRequest, json, paramError, type ApiRequest, type Reply, type Route } from './gitlab-test-http';
import type { GitLabTestInstance } from './gitlab-test-instance';

const TARGET_PARAMS = ['feature_group', 'user', 'project', 'group', 'namespace', 'repository'] as const;
const STRING_PARAMS = ['key', ...TARGET_PARAMS] as const;
const NUMERIC = /^\d+(\.\d+)?$/;

type Target = { kind: 'actor'; id: string; label: string } | { kind: 'group'; name: string };

export const listFeatures: Route = ({ instance }) => json(200, [...instance.features.values()].sort((a, b) => a.name.localeCompare(b.name)).map((f) => f.toApi()));

export const deleteFeature: Route = ({ instance }, match) => {
  instance.features.delete(decodeURIComponent(match[1]!));
  return { status: 204 };
};

export const setFeature: Route = (request, match) => {
  const name = decodeURIComponent(match[1]!);
  const { params, instance } = request;
  if (params.value === undefined || params.value === null || params.value === '') return paramError('value is missing');
  if (typeof params.value !== 'string' && typeof params.value !== 'number' && typeof params.value !== 'boolean') return paramError('value is invalid');
  for (const param of STRING_PARAMS) {
    if (params[param] !== undefined && typeof params[param] !== 'string') return paramError(`${param} is invalid`);
  }
  if (params.force !== undefined && typeof params.force !== 'boolean' && params.force !== 'true' && params.force !== 'false') return paramError('force is invalid');
  const exclusive = TARGET_PARAMS.filter((param) => params[param] !== undefined);
  if (params.key !== undefined && exclusive.length > 0) return paramError(`key, ${exclusive[0]} are mutually exclusive`);

  const value = String(params.value);
  const key = params.key as string | undefined;
  const targets = resolveTargets(instance, params);
  if (!Array.isArray(targets)) return targets;
  const feature = instance.features.get(name) ?? new FlipperFeature(name);
  const enable = ['100', '100.0', 'true'].includes(value);
  const disable = ['0', '0.0', 'false'].includes(value);
  if (exclusive.length > 0) {
    if (!enable && !disable) return badRequest(`Cannot set '${name}' to ${JSON.stringify(value)} for ${describeTarget(targets[0])}`);
    for (const target of targets) {
      if (target.kind === 'group') {
        if (enable) feature.enableGroup(target.name);
        else feature.disableGroup(target.name);
      } else if (enable) feature.enableActor(target.id);
      else feature.disableActor(target.id);
    }
  } else if (enable) {
    feature.enable();
  } else if (disable) {
    feature.clear();
  } else if (key === 'percentage_of_actors' || key === 'percentage_of_time' || (key === undefined && NUMERIC.test(value))) {
    if (!NUMERIC.test(value)) return badRequest('Not a percentage');
    const percentage = Number(value);
    if (percentage > 100) return badRequest('value must be a positive number less than or equal to 100');
    if (key === 'percentage_of_actors') feature.percentageOfActors = percentage;
    else feature.percentageOfTime = percentage;
  } else {
    return badRequest(key === undefined ? `Cannot set '${name}' to ${JSON.stringify(value)}` : `Cannot set '${name}' (${JSON.stringify(key)}) to ${JSON.stringify(value)}`);
  }
  instance.features.set(name, feature);
  return json(201, feature.toApi());
};

/** GitLab's Feature::Target: each comma-separated path must name an existing record (`400 <path> is not found!`). */
function resolveTargets(instance: GitLabTestInstance, params: ApiRequest['params']): Target[] | Reply {
  const targets: Target[] = [];
  // Checked to be strings by setFeature.
  const list = (param: string) => (typeof params[param] === 'string' ? params[param].split(',') : []);
  if (typeof params.feature_group === 'string') targets.push({ kind: 'group', name: params.feature_group });
  for (const username of list('user')) {
    const user = instance.userByName(username);
    if (!user) return badRequest(`${username} is not found!`);
    targets.push({ kind: 'actor', id: `User:${user.id}`, label: `User ${username}` });
  }
  for (const path of list('project')) {
    const project = instance.projectByPath(path);
    if (!project) return badRequest(`${path} is not found!`);
    targets.push({ kind: 'actor', id: `Project:${project.id}`, label: `Project ${path}` });
  }
  for (const path of list('group')) {
    const group = instance.groupByPath(path);
    if (!group) return badRequest(`${path} is not found!`);
    targets.push({ kind: 'actor', id: `Group:${group.id}`, label: `Group ${path}` });
  }
  for (const path of list('namespace')) {
    const group = instance.groupByPath(path);
    const user = group ? undefined : instance.userByName(path);
    if (!group && !user) return badRequest(`${path} is not found!`);
    targets.push(group ? { kind: 'actor', id: `Group:${group.id}`, label: `Group ${path}` } : { kind: 'actor', id: `Namespaces::UserNamespace:${user!.namespaceId}`, label: `Namespace ${path}` });
  }
  for (const path of list('repository')) {
    const match = /^(.+?)(\.wiki)?\.git$/.exec(path);
    const project = match ? instance.projectByPath(match[1]!) : undefined;
    if (!project) return badRequest(`${path} is not found!`);
    targets.push({ kind: 'actor', id: instance.repositoryFlipperId(project, match![2] ? '.wiki' : ''), label: `Repository ${path}` });
  }
  return targets;
}

function describeTarget(target: Target | undefined): string {
  if (target === undefined) return 'nothing';
  return target.kind === 'group' ? `group ${target.name}` : target.label;
}
