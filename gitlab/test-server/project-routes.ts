// The test server's project endpoints (deployments, merge base, merge requests, issues, notes) and id look-ups.
import { badRequest, isReply, json, notFound, oneOf, paginate, paramError, type ApiRequest, type Route } from './gitlab-test-http';
import type { GitLabTestInstance, TestDeployment, TestIssue, TestMergeRequest, TestNote, TestProject } from './gitlab-test-instance';

const DEPLOYMENT_ORDER = ['id', 'iid', 'created_at', 'updated_at', 'finished_at', 'ref'] as const;
const DEPLOYMENT_STATUS = ['created', 'running', 'success', 'failed', 'canceled', 'skipped', 'blocked'] as const;
const NOTE_MAX_LENGTH = 1_000_000;

/** `:id` of `/projects/:id/…`: a numeric id or a URL-encoded full path; `undefined` → 404 Project Not Found. */
function projectOf(request: ApiRequest, encoded: string): TestProject | undefined {
  return request.instance.project(decodeURIComponent(encoded));
}

export const listDeployments: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  if (!project) return notFound('Project');
  const orderBy = oneOf(request, 'order_by', DEPLOYMENT_ORDER);
  const sort = oneOf(request, 'sort', ['asc', 'desc'] as const);
  const status = oneOf(request, 'status', DEPLOYMENT_STATUS);
  for (const checked of [orderBy, sort, status]) if (isReply(checked)) return checked;
  const { query } = request;
  const finished = ['finished_after', 'finished_before'].filter((name) => query.has(name));
  if (finished.length > 0 && (orderBy !== 'finished_at' || status !== 'success')) {
    return badRequest(`\`${finished[0]}\` requires \`order_by=finished_at\` and \`status=success\``);
  }
  let items = request.instance.deployments.filter((d) => d.projectId === project.id);
  const environment = query.get('environment');
  if (environment !== null) items = items.filter((d) => d.environment === environment);
  if (typeof status === 'string') items = items.filter((d) => d.status === status);
  const after = query.get('finished_after');
  const before = query.get('finished_before');
  if (after !== null) items = items.filter((d) => d.finished_at !== null && d.finished_at > after);
  if (before !== null) items = items.filter((d) => d.finished_at !== null && d.finished_at < before);
  const field = (typeof orderBy === 'string' ? orderBy : 'id') as keyof TestDeployment;
  const direction = sort === 'desc' ? -1 : 1;
  items = [...items].sort((a, b) => direction * compare(a[field], b[field]) || direction * (a.id - b.id));
  return paginate(request, items.map((d) => deploymentJson(request.instance, d)));
};

export const mergeBase: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  if (!project) return notFound('Project');
  const refs = request.query.getAll('refs[]');
  if (refs.length < 2) return json(400, { message: 'Provide at least 2 refs' });
  const unknown = refs.filter((ref) => request.instance.resolveRef(ref) === undefined);
  if (unknown.length > 0) return json(400, { message: `Could not find ${unknown.length > 1 ? 'refs' : 'ref'}: ${unknown.join(', ')}` });
  const shas = refs.map((ref) => request.instance.resolveRef(ref)!);
  const base = commonAncestor(request.instance, shas);
  return base === null ? notFound('Merge Base') : json(200, commitJson(base));
};

export const getMergeRequest: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  if (!project) return notFound('Project');
  const mr = request.instance.mergeRequests.find((m) => m.projectId === project.id && m.iid === Number(match[2]));
  return mr ? json(200, mergeRequestJson(request, project, mr)) : notFound();
};

export const listIssues: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  if (!project) return notFound('Project');
  const state = oneOf(request, 'state', ['opened', 'closed', 'all'] as const);
  if (isReply(state)) return state;
  const labels = (request.query.get('labels') ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
  const items = request.instance.issues
    .filter((i) => i.projectId === project.id && (state === undefined || state === 'all' || i.state === state))
    .filter((i) => labels.every((label) => i.labels.includes(label)))
    .sort((a, b) => compare(b.created_at, a.created_at));
  return paginate(request, items.map((i) => issueJson(request, project, i)));
};

export const listNotes: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  const issue = project && request.instance.issues.find((i) => i.projectId === project.id && i.iid === Number(match[2]));
  if (!project || !issue) return notFound(project ? undefined : 'Project');
  const notes = request.instance.notes.filter((n) => n.projectId === project.id && n.issueIid === issue.iid).sort((a, b) => compare(b.created_at, a.created_at) || b.id - a.id);
  return paginate(request, notes.map(noteJson));
};

export const createNote: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  const issue = project && request.instance.issues.find((i) => i.projectId === project.id && i.iid === Number(match[2]));
  if (!project || !issue) return notFound(project ? undefined : 'Project');
  const { body } = request.params;
  if (body === undefined || body === null) return paramError('body is missing');
  if (typeof body !== 'string') return paramError('body is invalid');
  if (body.trim() === '') return json(400, { message: { note: ["can't be blank"] } });
  if (body.length > NOTE_MAX_LENGTH) return json(400, { message: { note: [`is too long (maximum is ${NOTE_MAX_LENGTH} characters)`] } });
  const author = request.instance.addUser(request.user.username);
  const note: TestNote = { id: request.instance.id(), body, author: { id: author.id, username: author.username }, created_at: request.instance.tick(), issueIid: issue.iid, projectId: project.id };
  request.instance.notes.push(note);
  return json(201, noteJson(note));
};

export const getProject: Route = (request, match) => {
  const project = projectOf(request, match[1]!);
  return project ? json(200, projectJson(request, project)) : notFound('Project');
};

export const getGroup: Route = ({ instance }, match) => {
  const text = decodeURIComponent(match[1]!);
  const group = /^\d+$/.test(text) ? instance.groups.get(Number(text)) : instance.groupByPath(text);
  return group ? json(200, { id: group.id, name: group.name, path: group.path, full_path: group.full_path }) : notFound('Group');
};

export const getUser: Route = ({ instance }, match) => {
  const user = instance.users.get(Number(match[1]));
  return user ? json(200, { id: user.id, username: user.username, name: user.name, state: 'active' }) : notFound('User');
};

export const getNamespace: Route = ({ instance }, match) => {
  const id = Number(match[1]);
  const group = instance.groups.get(id);
  if (group) return json(200, { id, name: group.name, path: group.path, kind: 'group', full_path: group.full_path });
  const user = [...instance.users.values()].find((u) => u.namespaceId === id);
  return user ? json(200, { id, name: user.username, path: user.username, kind: 'user', full_path: user.username }) : notFound('Namespace');
};

function commonAncestor(instance: GitLabTestInstance, shas: string[]): string | null {
  // Breadth first from the first ref: the nearest commit that every other ref contains.
  const queue = [shas[0]!];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const sha = queue.shift()!;
    if (seen.has(sha)) continue;
    seen.add(sha);
    if (shas.slice(1).every((other) => instance.isAncestor(sha, other))) return sha;
    queue.push(...(instance.commits.get(sha) ?? []));
  }
  return null;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

function commitJson(sha: string) {
  return { id: sha, short_id: sha.slice(0, 8), title: `Commit ${sha.slice(0, 8)}`, message: `Commit ${sha.slice(0, 8)}`, parent_ids: [] };
}

function projectJson(request: ApiRequest, project: TestProject) {
  return { id: project.id, name: project.name, path: project.path, path_with_namespace: project.path_with_namespace, web_url: webUrl(request, project.path_with_namespace) };
}

function deploymentJson(instance: GitLabTestInstance, d: TestDeployment) {
  const { projectId: _project, environment, ...fields } = d;
  return { ...fields, environment: { id: environmentId(environment), name: environment }, deployable: { commit: commitJson(d.sha) }, user: { username: 'release-tools' }, project_id: _project, instance: instance.name };
}

function mergeRequestJson(request: ApiRequest, project: TestProject, mr: TestMergeRequest) {
  const { projectId, ...fields } = mr;
  return { ...fields, project_id: projectId, web_url: webUrl(request, `${project.path_with_namespace}/-/merge_requests/${mr.iid}`) };
}

function issueJson(request: ApiRequest, project: TestProject, issue: TestIssue) {
  const { projectId, ...fields } = issue;
  return { ...fields, project_id: projectId, web_url: webUrl(request, `${project.path_with_namespace}/-/issues/${issue.iid}`) };
}

function noteJson(note: TestNote) {
  return { id: note.id, body: note.body, author: note.author, created_at: note.created_at, noteable_type: 'Issue', noteable_iid: note.issueIid, system: false };
}

function webUrl(request: ApiRequest, path: string): string {
  return `${request.apiUrl.replace(/\/api\/v4$/, '')}/${path}`;
}

function environmentId(name: string): number {
  return [...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) % 100_000;
}
