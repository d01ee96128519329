// Freeze sources against real HTTP servers: open GitLab issues with the incident label freeze; all sources must be clear.
import { httpFreezeSource } from '../change-control/freeze-source';
import { freezeSourceOf } from '../change-control/freeze-source-of-config';
import { allFreezeSources, gitlabIncidentFreezeSource } from '../change-control/gitlab-incident-freeze-source';
import { GitLabClient } from '../gitlab/gitlab-client';
import { startGitLabTestServer, type RunningGitLabTestServer } from '../gitlab/test-server/gitlab-test-server';

const PROJECT = 'gitlab-com/gl-infra/production';
let gitlab: RunningGitLabTestServer;

beforeAll(async () => {
  gitlab = await startGitLabTestServer({ instances: ['production'] });
});

afterAll(async () => {
  await gitlab?.stop();
});

it('is frozen while the project has an open issue with the label, naming it, and clear once it is closed', async () => {
  const client = new GitLabClient({ baseUrl: gitlab.instanceUrl('production'), token: gitlab.adminToken });
  const source = gitlabIncidentFreezeSource(client, PROJECT, 'incident::active');
  gitlab.instance('production').addIssue({ project: PROJECT, iid: 1, title: 'unrelated', labels: ['incident::resolved'] });
  expect(await source.check()).toEqual({ active: false });
  const incident = gitlab.instance('production').addIssue({ project: PROJECT, iid: 2, title: 'Elevated 5xx on web', labels: ['incident::active', 'severity::2'] });
  const frozen = await source.check();
  expect(frozen).toMatchObject({ active: true, until: null });
  expect(frozen.active && frozen.reason).toMatch(/^1 open incident::active issue in gitlab-com\/gl-infra\/production: #2 Elevated 5xx on web \(http/);
  incident.state = 'closed';
  expect(await source.check()).toEqual({ active: false });
});

it('needs every configured source clear, and refuses a GitLab source without GitLab credentials', async () => {
  const clear = { check: () => Promise.resolve({ active: false as const }) };
  const frozen = { check: () => Promise.resolve({ active: true as const, reason: 'change lock', until: null }) };
  expect(await allFreezeSources([clear, frozen]).check()).toMatchObject({ active: true, reason: 'change lock' });
  expect(await allFreezeSources([clear, clear]).check()).toEqual({ active: false });
  await expect(allFreezeSources([clear, httpFreezeSource('http://127.0.0.1:9/freeze')]).check()).rejects.toThrow(/freeze source 127.0.0.1:9 unreachable/);
  expect(freezeSourceOf({})).toBeUndefined();
  expect(() => freezeSourceOf({ freezeIssues: { project: PROJECT, label: 'incident::active' } })).toThrow(/needs GITLAB_URL and GITLAB_TOKEN/);
});
