// The in-memory state of one GitLab instance on the test server, with helpers to seed it and read it back.
import { createHash } from 'node:crypto';
import { FlipperFeature } from './flipper-feature';

export interface TestUser { id: number; username: string; name: string; namespaceId: number }
export interface TestGroup { id: number; full_path: string; name: string; path: string }
export interface TestProject { id: number; path_with_namespace: string; name: string; path: string; namespace: string }
export interface TestDeployment {
  id: number; iid: number; projectId: number; environment: string; ref: string; sha: string;
  status: 'created' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'blocked';
  created_at: string; updated_at: string; finished_at: string | null;
}
export interface TestMergeRequest {
  id: number; iid: number; projectId: number; title: string; state: 'opened' | 'closed' | 'locked' | 'merged';
  merge_commit_sha: string | null; squash_commit_sha: string | null; sha: string; merged_at: string | null;
}
export interface TestIssue { id: number; iid: number; projectId: number; title: string; state: 'opened' | 'closed'; labels: string[]; created_at: string; updated_at: string }
export interface TestNote { id: number; body: string; author: { id: number; username: string }; created_at: string; issueIid: number; projectId: number }

/** An actor in our path form, e.g. `project:gitlab-org/gitlab`, `group:gitlab-org`, `user:alice`. */
export type SeedActor = `${'project' | 'group' | 'user'}:${string}`;

export class GitLabTestInstance {
  readonly features = new Map<string, FlipperFeature>();
  readonly users = new Map<number, TestUser>();
  readonly groups = new Map<number, TestGroup>();
  readonly projects = new Map<number, TestProject>();
  /** sha → parent shas; branches name a sha. */
  readonly commits = new Map<string, string[]>();
  readonly branches = new Map<string, string>();
  readonly deployments: TestDeployment[] = [];
  readonly mergeRequests: TestMergeRequest[] = [];
  readonly issues: TestIssue[] = [];
  readonly notes: TestNote[] = [];
  private nextId = 1000;
  private clock = Date.parse('2026-01-05T09:00:00Z');

  constructor(readonly name: string) {}

  /** A fresh record id (users, groups and projects share one sequence, so `Group:1001` and `Project:1001` never both exist). */
  id(): number {
    return this.nextId++;
  }

  /** Timestamps one second apart, so lists sorted by time are deterministic. */
  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  addUser(username: string): TestUser {
    const found = this.userByName(username);
    if (found) return found;
    const user = { id: this.id(), username, name: username, namespaceId: this.id() };
    this.users.set(user.id, user);
    return user;
  }

  /** Adds the group and its parents (`a/b` adds `a` first). */
  addGroup(fullPath: string): TestGroup {
    const found = this.groupByPath(fullPath);
    if (found) return found;
    const parent = fullPath.includes('/') ? fullPath.slice(0, fullPath.lastIndexOf('/')) : null;
    if (parent) this.addGroup(parent);
    const path = fullPath.slice(fullPath.lastIndexOf('/') + 1);
    const group = { id: this.id(), full_path: fullPath, name: path, path };
    this.groups.set(group.id, group);
    return group;
  }

  /** Adds the project and its namespace group. */
  addProject(pathWithNamespace: string): TestProject {
    const found = this.projectByPath(pathWithNamespace);
    if (found) return found;
    const slash = pathWithNamespace.lastIndexOf('/');
    if (slash < 1) throw new Error(`A project path has a namespace: ${pathWithNamespace}`);
    const namespace = pathWithNamespace.slice(0, slash);
    if (!this.userByName(namespace)) this.addGroup(namespace);
    const path = pathWithNamespace.slice(slash + 1);
    const project = { id: this.id(), path_with_namespace: pathWithNamespace, name: path, path, namespace };
    this.projects.set(project.id, project);
    return project;
  }

  /** Seeds the records behind actor ids in path form, so the Features API can find them. */
  addActors(actors: readonly string[]): void {
    for (const actor of actors) {
      const colon = actor.indexOf(':');
      const [type, name] = [actor.slice(0, colon), actor.slice(colon + 1)];
      if (type === 'project') this.addProject(name);
      else if (type === 'group' || type === 'namespace') this.addGroup(name);
      else if (type === 'user') this.addUser(name);
      else throw new Error(`Cannot seed actor ${actor}: expected project:, group:, namespace: or user:`);
    }
  }

  userByName(username: string): TestUser | undefined {
    return [...this.users.values()].find((u) => u.username.toLowerCase() === username.toLowerCase());
  }

  groupByPath(fullPath: string): TestGroup | undefined {
    return [...this.groups.values()].find((g) => g.full_path.toLowerCase() === fullPath.toLowerCase());
  }

  projectByPath(path: string): TestProject | undefined {
    return [...this.projects.values()].find((p) => p.path_with_namespace.toLowerCase() === path.toLowerCase());
  }

  /** A project by numeric id or full path, as `:id` in `/projects/:id` names it. */
  project(idOrPath: string): TestProject | undefined {
    return /^\d+$/.test(idOrPath) ? this.projects.get(Number(idOrPath)) : this.projectByPath(idOrPath);
  }

  /** A repository's flipper_id: its relative path on Gitaly in hashed storage, as GitLab's Repository actor has it. */
  repositoryFlipperId(project: TestProject, kind: '' | '.wiki'): string {
    const hash = createHash('sha256').update(String(project.id)).digest('hex');
    return `Repository:@hashed/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}${kind}.git`;
  }

  /** The feature as the API shows it, or `undefined` when not persisted. */
  feature(name: string): ReturnType<FlipperFeature['toApi']> | undefined {
    return this.features.get(name)?.toApi();
  }

  /** Adds commits: each with its parents (which must exist already, or be none for a root). */
  addCommit(sha: string, parents: readonly string[] = []): void {
    for (const parent of parents) if (!this.commits.has(parent)) throw new Error(`Parent ${parent} of ${sha} is not a known commit`);
    this.commits.set(sha, [...parents]);
  }

  /** A straight history `shas[0] ← shas[1] ← …`, each the parent of the next. */
  addHistory(shas: readonly string[]): void {
    shas.forEach((sha, i) => this.addCommit(sha, i === 0 ? (this.commits.has(sha) ? this.commits.get(sha)! : []) : [shas[i - 1]!]));
  }

  addDeployment(fields: { project: string; environment: string; sha: string; ref?: string; status?: TestDeployment['status'] }): TestDeployment {
    const project = this.addProject(fields.project);
    const at = this.tick();
    const status = fields.status ?? 'success';
    const finished = status === 'success' || status === 'failed' || status === 'canceled';
    const deployment: TestDeployment = {
      id: this.id(),
      iid: this.deployments.filter((d) => d.projectId === project.id).length + 1,
      projectId: project.id,
      environment: fields.environment,
      ref: fields.ref ?? 'master',
      sha: fields.sha,
      status,
      created_at: at,
      updated_at: at,
      finished_at: finished ? at : null,
    };
    this.deployments.push(deployment);
    return deployment;
  }

  addMergeRequest(fields: { project: string; iid: number; title?: string; state?: TestMergeRequest['state']; mergeCommitSha?: string | null; squashCommitSha?: string | null; sha?: string }): TestMergeRequest {
    const project = this.addProject(fields.project);
    const state = fields.state ?? 'merged';
    const mr: TestMergeRequest = {
      id: this.id(),
      iid: fields.iid,
      projectId: project.id,
      title: fields.title ?? `Merge request !${fields.iid}`,
      state,
      merge_commit_sha: fields.mergeCommitSha ?? null,
      squash_commit_sha: fields.squashCommitSha ?? null,
      sha: fields.sha ?? '0'.repeat(40),
      merged_at: state === 'merged' ? this.tick() : null,
    };
    this.mergeRequests.push(mr);
    return mr;
  }

  addIssue(fields: { project: string; iid: number; title?: string; labels?: string[]; state?: TestIssue['state'] }): TestIssue {
    const project = this.addProject(fields.project);
    const at = this.tick();
    const issue: TestIssue = { id: this.id(), iid: fields.iid, projectId: project.id, title: fields.title ?? `Issue #${fields.iid}`, state: fields.state ?? 'opened', labels: fields.labels ?? [], created_at: at, updated_at: at };
    this.issues.push(issue);
    return issue;
  }

  /** The notes posted on an issue, oldest first. */
  notesOn(project: string, issueIid: number): TestNote[] {
    const found = this.project(project);
    return found ? this.notes.filter((n) => n.projectId === found.id && n.issueIid === issueIid) : [];
  }

  /** Whether `ancestor` is `sha` or reachable from it through parents. */
  isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === ancestor) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      stack.push(...(this.commits.get(current) ?? []));
    }
    return false;
  }

  /** A ref (branch or full sha) as a commit sha, or `undefined`. */
  resolveRef(ref: string): string | undefined {
    if (this.branches.has(ref)) return this.branches.get(ref);
    return this.commits.has(ref) ? ref : undefined;
  }
}
