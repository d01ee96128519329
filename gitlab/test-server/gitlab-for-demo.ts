// `npm run demo -- --gitlab`: a GitLab test server with one instance per environment, and the API calls it saw, for people.
import { ENVIRONMENTS } from '../../flags/environments';
import { featuresVariable } from '../gitlab-settings';
import { formatGitLabRequest, startGitLabTestServer, type GitLabRequestLogEntry, type RunningGitLabTestServer } from './gitlab-test-server';

export interface DemoGitLab {
  server: RunningGitLabTestServer;
  /** The configuration that sends every environment's flags to its instance (FLAG_BACKEND=gitlab …); holds the token. */
  env: NodeJS.ProcessEnv;
  /** Where each environment's Features API is, one line per environment. */
  describe(): string[];
  /** The writes in order, then the reads counted by endpoint. */
  report(): string[];
  stop(): Promise<void>;
}

/** Starts the server with the records behind `actors` (path form, e.g. `project:gitlab-org/gitlab`) on every instance. */
export async function startGitLabForDemo(actors: readonly string[]): Promise<DemoGitLab> {
  const server = await startGitLabTestServer({ instances: ENVIRONMENTS });
  for (const env of ENVIRONMENTS) server.instance(env).addActors(actors);
  const env: NodeJS.ProcessEnv = { FLAG_BACKEND: 'gitlab', GITLAB_URL: server.instanceUrl('production'), GITLAB_TOKEN: server.adminToken };
  for (const name of ENVIRONMENTS) if (name !== 'production') env[featuresVariable(name, 'URL')] = server.instanceUrl(name);
  return {
    server,
    env,
    describe: () => ENVIRONMENTS.map((name) => `${name.padEnd(12)} ${server.instanceUrl(name)}/api/v4/features`),
    report: () => reportCalls(server.requests()),
    stop: () => server.stop(),
  };
}

/** `POST /production/api/v4/features/f {value=true} → 201` for every write; reads as `GET /api/v4/features ×42`. */
export function reportCalls(requests: readonly GitLabRequestLogEntry[]): string[] {
  const writes = requests.filter((r) => r.method !== 'GET').map(formatGitLabRequest);
  const reads = new Map<string, number>();
  for (const r of requests.filter((entry) => entry.method === 'GET')) {
    const endpoint = `GET ${r.path.replace(/\?.*$/, '').replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    reads.set(endpoint, (reads.get(endpoint) ?? 0) + 1);
  }
  const readLines = [...reads].sort((a, b) => b[1] - a[1]).map(([endpoint, count]) => `${endpoint} ×${count}`);
  return [
    `GitLab API calls: ${writes.length} writes through the Features API, in order:`,
    ...writes.map((line) => `  ${line}`),
    `and ${requests.length - writes.length} reads (the worker reads before each change; the tracking path reloads on every change):`,
    ...readLines.map((line) => `  ${line}`),
  ];
}
