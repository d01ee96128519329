// A GitLab REST API on 127.0.0.1 for tests and the demo: the endpoints the rollout uses, with faults on demand.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteFeature, listFeatures, setFeature } from './features-routes';
import { json, type ApiRequest, type Reply, type Route, type TokenOwner } from './gitlab-test-http';
import { GitLabTestInstance } from './gitlab-test-instance';
import * as project from './project-routes';

export interface GitLabTestServerOptions {
  /** The instances it serves, each under `/<name>` (GitLab's relative URL root). Default `['gitlab']`. */
  instances?: readonly string[];
}

/** A scripted failure: the next `times` requests that match get `status` instead of their answer. */
export interface GitLabFault {
  status: number;
  method?: string;
  /** The API path (`/api/v4/features/x`, no query) exactly, or a pattern it matches. */
  path?: string | RegExp;
  instance?: string;
  /** Sent as Retry-After (seconds), e.g. with 429. */
  retryAfterSeconds?: number;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** `before` (default): refused, nothing done. `after`: done, then the answer is lost and replaced by the fault. */
  when?: 'before' | 'after';
}

/** One request as the server saw it (never with its token). */
export interface GitLabRequestLogEntry {
  instance: string;
  method: string;
  /** `/api/v4/...` with the query. */
  path: string;
  /** JSON or form parameters of a POST. */
  params: Record<string, unknown>;
  status: number;
  /** Set when a fault answered this request. */
  fault?: 'before' | 'after';
}

export interface RunningGitLabTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The URL to configure as the instance's GITLAB_URL, e.g. `http://127.0.0.1:<port>/production`. */
  instanceUrl(name?: string): string;
  /** The state of an instance, to seed (projects, deployments, merge requests, issues, features) and to inspect. */
  instance(name?: string): GitLabTestInstance;
  /** An administrator's token, accepted by every instance. */
  adminToken: string;
  /** Accepts another token (e.g. a non-administrator's, which the Features API refuses with 403). */
  addToken(token: string, owner: TokenOwner): void;
  fail(fault: GitLabFault): void;
  clearFaults(): void;
  /** Every request so far, in arrival order. */
  requests(): GitLabRequestLogEntry[];
  clearRequests(): void;
  stop(): Promise<void>;
}

const ROUTES: [string, RegExp, Route][] = [
  ['GET', /^\/features$/, listFeatures],
  ['POST', /^\/features\/([^/]+)$/, setFeature],
  ['DELETE', /^\/features\/([^/]+)$/, deleteFeature],
  ['GET', /^\/projects\/([^/]+)\/deployments$/, project.listDeployments],
  ['GET', /^\/projects\/([^/]+)\/repository\/merge_base$/, project.mergeBase],
  ['GET', /^\/projects\/([^/]+)\/merge_requests\/(\d+)$/, project.getMergeRequest],
  ['GET', /^\/projects\/([^/]+)\/issues$/, project.listIssues],
  ['GET', /^\/projects\/([^/]+)\/issues\/(\d+)\/notes$/, project.listNotes],
  ['POST', /^\/projects\/([^/]+)\/issues\/(\d+)\/notes$/, project.createNote],
  ['GET', /^\/projects\/([^/]+)$/, project.getProject],
  ['GET', /^\/groups\/([^/]+)$/, project.getGroup],
  ['GET', /^\/users\/(\d+)$/, project.getUser],
  ['GET', /^\/namespaces\/(\d+)$/, project.getNamespace],
];

export async function startGitLabTestServer(options: GitLabTestServerOptions = {}): Promise<RunningGitLabTestServer> {
  const names = options.instances ?? ['gitlab'];
  const instances = new Map(names.map((name) => [name, new GitLabTestInstance(name)]));
  const adminToken = `glpat-${randomBytes(12).toString('hex')}`;
  const tokens = new Map<string, TokenOwner>([[adminToken, { username: 'root', admin: true }]]);
  const faults: (GitLabFault & { left: number })[] = [];
  let log: GitLabRequestLogEntry[] = [];

  const server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        const { entry, reply } = handle(req, body);
        if (entry) log.push(entry);
        send(res, reply);
      },
      () => send(res, json(400, { message: '400 Bad request - unreadable body' })),
    );
  });

  const handle = (req: IncomingMessage, rawBody: string): { entry: GitLabRequestLogEntry | null; reply: Reply } => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const match = /^\/([^/]+)(\/api\/v4)(\/.*)?$/.exec(url.pathname);
    const instance = match ? instances.get(match[1]!) : undefined;
    if (!match || !instance) return { entry: null, reply: json(404, { message: '404 Not Found' }) };
    const apiPath = match[3] ?? '/';
    const parsed = parseParams(req.headers['content-type'], rawBody, url.searchParams, method);
    const entry: GitLabRequestLogEntry = { instance: instance.name, method, path: `/api/v4${apiPath}${url.search}`, params: parsed.params, status: 0 };
    const finish = (reply: Reply, fault?: 'before' | 'after') => ({ entry: { ...entry, status: reply.status, ...(fault ? { fault } : {}) }, reply });
    if (parsed.error) return finish(json(400, { error: parsed.error }));

    const fault = takeFault(instance.name, method, `/api/v4${apiPath}`);
    if (fault && fault.when !== 'after') return finish(faultReply(fault), 'before');
    const token = req.headers['private-token'];
    const user = typeof token === 'string' ? tokens.get(token) : undefined;
    if (!user) return finish(json(401, { message: '401 Unauthorized' }));
    const route = ROUTES.find(([m, pattern]) => m === method && pattern.test(apiPath));
    if (!route) return finish(json(404, { error: '404 Not Found' }));
    if (apiPath.startsWith('/features') && !user.admin) return finish(json(403, { message: '403 Forbidden' }));
    const request: ApiRequest = { method, path: apiPath, query: url.searchParams, params: parsed.params, user, instance, apiUrl: `http://${req.headers.host}/${instance.name}/api/v4` };
    const reply = route[2](request, route[1].exec(apiPath)!);
    return fault ? finish(faultReply(fault), 'after') : finish(reply);
  };

  const takeFault = (instance: string, method: string, path: string): GitLabFault | undefined => {
    const index = faults.findIndex(
      (f) =>
        (f.instance === undefined || f.instance === instance) &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (--fault.left <= 0) faults.splice(index, 1);
    return fault;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const instanceOf = (name = names[0]!) => {
    const found = instances.get(name);
    if (!found) throw new Error(`The GitLab test server has no instance ${name}; it serves ${names.join(', ')}`);
    return found;
  };
  return {
    url,
    instanceUrl: (name) => `${url}/${instanceOf(name).name}`,
    instance: instanceOf,
    adminToken,
    addToken: (token, owner) => void tokens.set(token, owner),
    fail: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    requests: () => log.map((entry) => ({ ...entry })),
    clearRequests: () => void (log = []),
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `POST /production/api/v4/features/x {value=true, project=a/b} → 201` — one line per request, for people. */
export function formatGitLabRequest(entry: GitLabRequestLogEntry): string {
  const params = Object.entries(entry.params).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const fault = entry.fault === 'after' ? ' (applied, answer lost)' : entry.fault === 'before' ? ' (refused)' : '';
  return `${entry.method} /${entry.instance}${entry.path}${params.length > 0 ? ` {${params.join(', ')}}` : ''} → ${entry.status}${fault}`;
}

function faultReply(fault: GitLabFault): Reply {
  const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
  // Rack::Attack answers a throttled request with plain text; the others carry GitLab's JSON message.
  if (fault.status === 429) return { status: 429, body: 'Retry later\n', headers };
  return json(fault.status, { message: `${fault.status} ${fault.status >= 500 ? 'Internal Server Error' : 'Error'}` }, headers);
}

function parseParams(contentType: string | undefined, body: string, query: URLSearchParams, method: string): { params: Record<string, unknown>; error?: string } {
  if (method !== 'POST' && method !== 'PUT') return { params: {} };
  if (body.trim() === '') return { params: Object.fromEntries(query) };
  if ((contentType ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { params: {}, error: 'The body must be a JSON object' };
      return { params: { ...Object.fromEntries(query), ...(parsed as Record<string, unknown>) } };
    } catch {
      return { params: {}, error: 'There was a problem with the JSON you submitted' };
    }
  }
  return { params: { ...Object.fromEntries(query), ...Object.fromEntries(new URLSearchParams(body)) } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 2_000_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let text = '';
  if (reply.body !== undefined) {
    const isText = typeof reply.body === 'string';
    text = isText ? (reply.body as string) : JSON.stringify(reply.body);
    headers['content-type'] = isText ? 'text/plain' : 'application/json';
  }
  res.writeHead(reply.status, headers);
  res.end(text);
}
