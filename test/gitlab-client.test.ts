// The GitLab client and API helpers against the GitLab test server on 127.0.0.1: retries, errors, pagination, the endpoints.
import { createServer, type Server, type Socket } from 'node:net';
import { GitLabApiError } from '../gitlab/gitlab-api-error';
import { GitLabClient, type GitLabAttempt } from '../gitlab/gitlab-client';
import { commitDeployment, isCommitDeployedIn, latestSuccessfulDeployment } from '../gitlab/gitlab-deployments-api';
import { getFeature, listFeatures, setFeature } from '../gitlab/gitlab-features-api';
import { createIssueNote, issuesWithLabels } from '../gitlab/gitlab-issues-api';
import { mergeRequestMergeCommit } from '../gitlab/gitlab-merge-requests-api';
import { formatGitLabRequest, startGitLabTestServer, type RunningGitLabTestServer } from '../gitlab/test-server/gitlab-test-server';
import { freePort } from '../stack/free-port';

const FLAG = 'route_hll_to_snowplow_phase3';
const PROJECT = 'gitlab-org/gitlab';
let server: RunningGitLabTestServer;
let attempts: GitLabAttempt[];
let client: GitLabClient;

const sha = (n: number) => n.toString(16).padStart(40, 'a');

beforeAll(async () => {
  server = await startGitLabTestServer();
  const gitlab = server.instance();
  gitlab.addActors(['project:gitlab-org/gitlab', 'group:gitlab-com', 'user:alice']);
  gitlab.addHistory([sha(1), sha(2), sha(3), sha(4)]);
  gitlab.addCommit(sha(9), [sha(2)]); // on a branch off sha(2), never deployed
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  server.clearRequests();
  server.clearFaults();
  attempts = [];
  client = new GitLabClient({ baseUrl: server.instanceUrl(), token: server.adminToken, retry: { initialBackoffMs: 10, maxBackoffMs: 20 }, onAttempt: (a) => attempts.push(a) });
});

describe('retries', () => {
  it('waits out a 429 with Retry-After and sends the change once it is accepted: applied once', async () => {
    server.fail({ method: 'POST', path: `/api/v4/features/${FLAG}`, status: 429, retryAfterSeconds: 1 });
    const feature = await setFeature(client, FLAG, { value: true, project: [PROJECT] });
    expect(feature.gates).toEqual([{ key: 'boolean', value: false }, { key: 'actors', value: [`Project:${server.instance().projectByPath(PROJECT)!.id}`] }]);
    expect(server.requests().map((r) => [r.method, r.status, r.fault])).toEqual([['POST', 429, 'before'], ['POST', 201, undefined]]);
    expect(attempts.map((a) => [a.attempt, a.status, a.retryInMs])).toEqual([[1, 429, 1000], [2, 201, undefined]]);
  });

  it('repeats a feature POST whose answer was lost to a 500: the gate is set twice to the same value, so applied once', async () => {
    await setFeature(client, 'retried_flag', { value: 30, key: 'percentage_of_actors' });
    server.clearRequests();
    server.fail({ method: 'POST', status: 500, when: 'after', times: 2 });
    const feature = await setFeature(client, 'retried_flag', { value: true, user: ['alice'] });
    expect(server.requests().map((r) => [r.status, r.fault])).toEqual([[500, 'after'], [500, 'after'], [201, undefined]]);
    expect(feature.gates).toEqual([
      { key: 'boolean', value: false },
      { key: 'actors', value: [`User:${server.instance().userByName('alice')!.id}`] },
      { key: 'percentage_of_actors', value: 30 },
    ]);
  });

  it('never repeats a note whose answer was lost: one note, and an error that says GitLab may have it', async () => {
    server.instance().addIssue({ project: PROJECT, iid: 101 });
    server.fail({ method: 'POST', path: /\/notes$/, status: 500, when: 'after' });
    const error = await createIssueNote(client, PROJECT, 101, 'Enabled on production').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GitLabApiError);
    expect(error).toMatchObject({ status: 500, retryable: true, attempts: 1, method: 'POST', path: '/api/v4/projects/gitlab-org%2Fgitlab/issues/101/notes' });
    expect(server.instance().notesOn(PROJECT, 101).map((n) => n.body)).toEqual(['Enabled on production']);
  });

  it('repeats a note refused with 429 (GitLab did nothing): one note', async () => {
    server.instance().addIssue({ project: PROJECT, iid: 102 });
    server.fail({ method: 'POST', path: /\/notes$/, status: 429, retryAfterSeconds: 0 });
    const note = await createIssueNote(client, PROJECT, 102, 'Rolled back: rejected at production-qa');
    expect(note).toMatchObject({ body: 'Rolled back: rejected at production-qa', noteable_iid: 102, author: { username: 'root' } });
    expect(server.instance().notesOn(PROJECT, 102)).toHaveLength(1);
  });

  it('gives up at once on a Retry-After longer than it may wait, saying how long GitLab asked for', async () => {
    server.fail({ status: 429, retryAfterSeconds: 60 });
    const error = (await listFeatures(client).catch((err: unknown) => err)) as GitLabApiError;
    expect(error).toMatchObject({ status: 429, retryable: true, attempts: 1, retryAfterMs: 60_000, detail: 'Retry later' });
    expect(error.message).toBe('GitLab GET /api/v4/features answered 429: Retry later; Retry-After 60 s');
  });

  it('stops after maxAttempts of 5xx, naming every attempt', async () => {
    server.fail({ method: 'GET', status: 502, times: 10 });
    const error = (await listFeatures(client).catch((err: unknown) => err)) as GitLabApiError;
    expect(error).toMatchObject({ status: 502, attempts: 4 });
    expect(error.message).toMatch(/^GitLab GET \/api\/v4\/features answered 502: 502 Internal Server Error \(after 4 attempts\)$/);
  });

  it('retries a POST when the connection is refused (it never reached GitLab), and reports the network error', async () => {
    const closed = new GitLabClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, token: 'x', retry: { initialBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 3 } });
    const error = (await closed.post('/projects/1/issues/1/notes', { body: { body: 'hi' } }).catch((err: unknown) => err)) as GitLabApiError;
    expect(error).toMatchObject({ status: null, attempts: 3, retryable: true });
    expect(error.detail).toMatch(/ECONNREFUSED/);
  });

  it('times out an attempt that gets no answer and tries again (GET)', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket)); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const slow = new GitLabClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'x', timeoutMs: 100, retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 } });
      const error = (await slow.get('/features').catch((err: unknown) => err)) as GitLabApiError;
      expect(error).toMatchObject({ status: null, attempts: 2, detail: 'no answer within 100 ms' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('errors', () => {
  it('names the method, the path and GitLab\'s message, never the token', async () => {
    const error = (await client.post(`/features/${FLAG}`, { body: { value: '30', key: 'percentage_of_actors', project: PROJECT } }).catch((err: unknown) => err)) as GitLabApiError;
    expect(error.message).toBe(`GitLab POST /api/v4/features/${FLAG} answered 400: key, project are mutually exclusive`);
    const unknownProject = (await setFeature(client, FLAG, { value: true, project: ['gitlab-org/nope'] }).catch((err: unknown) => err)) as GitLabApiError;
    expect(unknownProject).toMatchObject({ status: 400, retryable: false, detail: '400 Bad request - gitlab-org/nope is not found!' });

    const wrongToken = new GitLabClient({ baseUrl: server.instanceUrl(), token: 'glpat-wrong-secret-token' });
    const unauthorized = (await listFeatures(wrongToken).catch((err: unknown) => err)) as GitLabApiError;
    expect(unauthorized.message).toBe('GitLab GET /api/v4/features answered 401: 401 Unauthorized');
    expect(JSON.stringify({ ...unauthorized, message: unauthorized.message, stack: unauthorized.stack })).not.toContain('wrong-secret');
    expect(server.requests().map((r) => JSON.stringify(r)).join('\n')).not.toContain(server.adminToken);

    server.addToken('glpat-developer', { username: 'dev', admin: false });
    const developer = new GitLabClient({ baseUrl: server.instanceUrl(), token: 'glpat-developer' });
    await expect(listFeatures(developer)).rejects.toMatchObject({ status: 403, detail: '403 Forbidden' });
    await expect(mergeRequestMergeCommit(client, 'gitlab-org/missing', 1)).rejects.toMatchObject({ status: 404, detail: '404 Project Not Found' });
  });

  it('refuses what GitLab would refuse before sending it', () => {
    expect(() => new GitLabClient({ baseUrl: 'gitlab.com', token: 't' })).toThrow(/must be an http\(s\):\/\/ URL/);
    return expect(setFeature(client, FLAG, { value: 30, key: 'percentage_of_time', group: ['gitlab-org'] })).rejects.toThrow(/"key" together with group/);
  });
});

describe('API helpers', () => {
  it('follows x-next-page through every page of issues with the freeze label', async () => {
    const gitlab = server.instance();
    for (let iid = 1; iid <= 230; iid++) gitlab.addIssue({ project: 'gitlab-com/gl-infra/production', iid, labels: iid % 2 === 0 ? ['incident::active', 'severity::2'] : ['incident::resolved'] });
    gitlab.addIssue({ project: 'gitlab-com/gl-infra/production', iid: 999, labels: ['incident::active'], state: 'closed' });
    const active = await issuesWithLabels(client, 'gitlab-com/gl-infra/production', ['incident::active']);
    expect(active).toHaveLength(115);
    expect(active.every((issue) => issue.state === 'opened' && issue.labels.includes('incident::active'))).toBe(true);
    expect(server.requests().map(formatGitLabRequest)).toEqual([
      'GET /gitlab/api/v4/projects/gitlab-com%2Fgl-infra%2Fproduction/issues?per_page=100&labels=incident%3A%3Aactive&state=opened → 200',
      'GET /gitlab/api/v4/projects/gitlab-com%2Fgl-infra%2Fproduction/issues?per_page=100&labels=incident%3A%3Aactive&state=opened&page=2 → 200',
    ]);
    await expect(client.get('/projects/gitlab-com%2Fgl-infra%2Fproduction/issues', { query: { state: 'open' } })).rejects.toMatchObject({ status: 400, detail: 'state does not have a valid value' });
  });

  it('finds the latest successful deployment and whether it contains a commit (merge base)', async () => {
    const gitlab = server.instance();
    gitlab.addDeployment({ project: PROJECT, environment: 'gprd', sha: sha(2) });
    gitlab.addDeployment({ project: PROJECT, environment: 'gprd', sha: sha(3) });
    gitlab.addDeployment({ project: PROJECT, environment: 'gprd', sha: sha(4), status: 'failed' });
    gitlab.addDeployment({ project: PROJECT, environment: 'gstg', sha: sha(4) });
    expect((await latestSuccessfulDeployment(client, PROJECT, 'gprd'))?.sha).toBe(sha(3));
    expect(await latestSuccessfulDeployment(client, PROJECT, 'gprd-cny')).toBeNull();
    await expect(commitDeployment(client, PROJECT, 'gprd', sha(2))).resolves.toMatchObject({ deployed: true, deployment: { sha: sha(3) } });
    await expect(commitDeployment(client, PROJECT, 'gprd', sha(4))).resolves.toMatchObject({ deployed: false });
    expect(await isCommitDeployedIn(client, PROJECT, sha(9), sha(4))).toBe(false);
    expect(server.requests().map(formatGitLabRequest)).toContain(
      `GET /gitlab/api/v4/projects/gitlab-org%2Fgitlab/repository/merge_base?refs%5B%5D=${sha(2)}&refs%5B%5D=${sha(3)} → 200`,
    );
    await expect(client.get(`/projects/${encodeURIComponent(PROJECT)}/deployments`, { query: { order_by: 'date' } })).rejects.toMatchObject({ status: 400, detail: 'order_by does not have a valid value' });
    await expect(client.get(`/projects/${encodeURIComponent(PROJECT)}/repository/merge_base`, { query: { refs: [sha(1)] } })).rejects.toMatchObject({ status: 400, detail: 'Provide at least 2 refs' });
    await expect(client.get(`/projects/${encodeURIComponent(PROJECT)}/repository/merge_base`, { query: { refs: [sha(1), 'nope'] } })).rejects.toMatchObject({ detail: 'Could not find ref: nope' });
  });

  it('reads the commit a merged merge request put on its branch', async () => {
    const gitlab = server.instance();
    gitlab.addMergeRequest({ project: PROJECT, iid: 7, mergeCommitSha: sha(3) });
    gitlab.addMergeRequest({ project: PROJECT, iid: 8, mergeCommitSha: null, squashCommitSha: sha(4) });
    gitlab.addMergeRequest({ project: PROJECT, iid: 9, state: 'opened' });
    expect(await mergeRequestMergeCommit(client, PROJECT, 7)).toBe(sha(3));
    expect(await mergeRequestMergeCommit(client, PROJECT, 8)).toBe(sha(4));
    expect(await mergeRequestMergeCommit(client, PROJECT, 9)).toBeNull();
    await expect(mergeRequestMergeCommit(client, PROJECT, 10)).rejects.toMatchObject({ status: 404 });
  });

  it('lists features with GitLab\'s gate shapes and finds one by name', async () => {
    await setFeature(client, 'listed_flag', { value: true });
    await setFeature(client, 'listed_flag', { value: true, feature_group: 'gitlab_team_members' });
    expect(await getFeature(client, 'listed_flag')).toEqual({
      name: 'listed_flag',
      state: 'on',
      gates: [{ key: 'boolean', value: true }, { key: 'groups', value: ['gitlab_team_members'] }],
      definition: null,
    });
    expect(await getFeature(client, 'never_set_flag')).toBeNull();
  });
});
