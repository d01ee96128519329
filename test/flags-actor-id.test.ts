// Actor ids: the path form `project:<path>` (and group, user, namespace, repository) and GitLab's flipper_id form
// `Project:278964`; anything else is rejected with a clear message.
import {
  ACTOR_NAME_RULES,
  ACTOR_TYPES,
  formatActorId,
  formatGitLabActorId,
  isActorId,
  parseActorId,
  productionActorIds,
} from '../flags/actor-id';
import { InvalidFlagInput } from '../flags/invalid-flag-input';

describe('parseActorId', () => {
  it.each([
    ['project:gitlab-org/gitlab', 'project', 'gitlab-org/gitlab'],
    ['project:gitlab-com/www-gitlab-com', 'project', 'gitlab-com/www-gitlab-com'],
    ['project:a/b/c.d_e', 'project', 'a/b/c.d_e'],
    ['group:gitlab-org', 'group', 'gitlab-org'],
    ['group:gitlab-org/sub.group', 'group', 'gitlab-org/sub.group'],
    ['group:_', 'group', '_'],
    ['user:alice', 'user', 'alice'],
    ['user:A.b_c-9', 'user', 'A.b_c-9'],
    ['namespace:gitlab-org', 'namespace', 'gitlab-org'],
    ['namespace:gitlab-org/analytics', 'namespace', 'gitlab-org/analytics'],
    ['repository:gitlab-org/gitlab.git', 'repository', 'gitlab-org/gitlab.git'],
    ['repository:gitlab-org/gitlab-test.wiki.git', 'repository', 'gitlab-org/gitlab-test.wiki.git'],
    ['repository:snippets/21.git', 'repository', 'snippets/21.git'],
  ])('parses the path form %s', (text, type, name) => {
    expect(parseActorId(text)).toEqual({ type, form: 'path', name });
  });

  it.each([
    ['Project:278964', 'project', '278964'],
    ['Group:9970', 'group', '9970'],
    ['User:1', 'user', '1'],
    ['Namespace:9970', 'namespace', '9970'],
    ['Repository:@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git', 'repository', '@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git'],
    ['Repository:@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.wiki.git', 'repository', '@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.wiki.git'],
    ['Repository:gitlab-org/gitlab.git', 'repository', 'gitlab-org/gitlab.git'],
  ])("parses GitLab's flipper_id %s", (text, type, name) => {
    expect(parseActorId(text)).toEqual({ type, form: 'gitlab', name });
  });

  it.each([
    ['', /expected "<type>:<path>" with type project, group, user, namespace, repository .* or GitLab's flipper_id "<Class>:<id>" with class Project, Group, User, Namespace, Repository/],
    ['alice', /Invalid actor id "alice".*type project, group, user, namespace, repository/],
    ['team:x', /Invalid actor id "team:x"/],
    ['PROJECT:1', /Invalid actor id "PROJECT:1"/],
    ['Ci::Runner:1', /Invalid actor id "Ci::Runner:1"/],
    ['project:gitlab', /"project:gitlab".*project name must be a path with at least one "\/"/],
    ['project:gitlab-org/', /project name/],
    ['project:/gitlab', /project name/],
    ['group:', /"group:".*group name must be one or more path segments/],
    ['group:a//b', /group name/],
    ['group:../x', /"group:..\/x".*group name.*not starting with "-" or ending with "\."/],
    ['group:.', /group name/],
    ['group:-x', /group name/],
    ['project:gitlab-org/x.', /project name/],
    ['user:alice/bob', /"user:alice\/bob".*user name must be a single name without "\/"/],
    ['user:al ice', /user name.*letters, digits, "_", "." and "-"/],
    ['user:alice:bob', /user name/],
    ['namespace:', /namespace name must be a group or user namespace path/],
    ['repository:gitlab-org/gitlab', /"repository:gitlab-org\/gitlab".*repository name must be a repository path with at least one "\/" ending in "\.git"/],
    ['repository:gitlab.git', /repository name/],
    ['Project:gitlab-org/gitlab', /"Project:gitlab-org\/gitlab".*after "Project:" GitLab's flipper_id has a positive integer record id \(e\.g\. Project:278964\)/],
    ['Project:0', /positive integer record id/],
    ['Group:-1', /positive integer record id/],
    ['User:1.5', /positive integer record id/],
    ['User:', /positive integer record id/],
    ['Namespace:01', /positive integer record id/],
    ['Repository:278964', /after "Repository:" GitLab's flipper_id has the repository's relative path on Gitaly/],
    ['Repository:@hashed/../x.git', /relative path/],
  ])('rejects %j', (text, message) => {
    expect(() => parseActorId(text)).toThrow(InvalidFlagInput);
    expect(() => parseActorId(text)).toThrow(message);
  });

  it('rejects values that are not strings', () => {
    expect(() => parseActorId(42 as unknown as string)).toThrow(/Invalid actor id 42: expected a string/);
    expect(isActorId(42)).toBe(false);
    expect(isActorId('Project:278964')).toBe(true);
    expect(isActorId('project:gitlab')).toBe(false);
  });

  it('names the error InvalidFlagInput so activities can fail without retrying', () => {
    let error: unknown;
    try {
      parseActorId('nope');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidFlagInput);
    expect((error as Error).name).toBe('InvalidFlagInput');
  });
});

describe('formatActorId', () => {
  it('builds path-form ids that parse back', () => {
    for (const type of ACTOR_TYPES) {
      const name = ACTOR_NAME_RULES[type].example.slice(type.length + 1);
      const text = formatActorId(type, name);
      expect(text).toBe(`${type}:${name}`);
      expect(parseActorId(text)).toEqual({ type, form: 'path', name });
    }
  });

  it('rejects bad names and types', () => {
    expect(() => formatActorId('project', 'gitlab')).toThrow(/project name must be a path/);
    expect(() => formatActorId('team' as 'user', 'x')).toThrow(/Invalid actor type "team": expected one of project, group, user, namespace, repository/);
  });
});

describe('formatGitLabActorId', () => {
  it("builds GitLab's flipper_id from a record id or a repository's relative path", () => {
    expect(formatGitLabActorId('project', 278964)).toBe('Project:278964');
    expect(formatGitLabActorId('group', '9970')).toBe('Group:9970');
    expect(formatGitLabActorId('user', 1)).toBe('User:1');
    expect(formatGitLabActorId('namespace', 9970)).toBe('Namespace:9970');
    expect(formatGitLabActorId('repository', '@hashed/ab/cd/abcd.git')).toBe('Repository:@hashed/ab/cd/abcd.git');
    expect(parseActorId(formatGitLabActorId('project', 278964))).toEqual({ type: 'project', form: 'gitlab', name: '278964' });
  });

  it('rejects ids GitLab would not write', () => {
    expect(() => formatGitLabActorId('project', 'gitlab-org/gitlab')).toThrow(/"Project:gitlab-org\/gitlab".*positive integer record id/);
    expect(() => formatGitLabActorId('user', 0)).toThrow(InvalidFlagInput);
    expect(() => formatGitLabActorId('runner' as 'user', 1)).toThrow(/Invalid actor type "runner"/);
  });
});

describe('productionActorIds', () => {
  it('lists projects, then groups, then users (then namespaces and repositories), each as an actor id', () => {
    expect(
      productionActorIds({ project: ['gitlab-org/gitlab', 'gitlab-com/www-gitlab-com'], group: ['gitlab-org'], user: ['alice', 'bob'] }),
    ).toEqual(['project:gitlab-org/gitlab', 'project:gitlab-com/www-gitlab-com', 'group:gitlab-org', 'user:alice', 'user:bob']);
    expect(productionActorIds({ project: [], group: [], user: [] })).toEqual([]);
    expect(productionActorIds({ project: [], group: [], user: ['alice'], namespace: ['gitlab-com'], repository: ['gitlab-org/gitlab.git'] })).toEqual([
      'user:alice',
      'namespace:gitlab-com',
      'repository:gitlab-org/gitlab.git',
    ]);
  });

  it('rejects a bad name with the actor-id error', () => {
    expect(() => productionActorIds({ project: ['gitlab'], group: [], user: [] })).toThrow(InvalidFlagInput);
    expect(() => productionActorIds({ project: [], group: [], user: ['alice/bob'] })).toThrow(/"user:alice\/bob".*user name must be a single name/);
  });
});
