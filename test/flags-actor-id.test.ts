// Actor ids: `project:<path>`, `group:<path>`, `user:<name>`; anything else is rejected with a clear message.
import { ACTOR_TYPES, formatActorId, parseActorId, productionActorIds } from '../flags/actor-id';
import { InvalidFlagInput } from '../flags/invalid-flag-input';

describe('parseActorId', () => {
  it.each([
    ['project:gitlab-org/gitlab', 'project', 'gitlab-org/gitlab'],
    ['project:gitlab-com/www-gitlab-com', 'project', 'gitlab-com/www-gitlab-com'],
    ['project:a/b/c.d_e', 'project', 'a/b/c.d_e'],
    ['group:gitlab-org', 'group', 'gitlab-org'],
    ['group:gitlab-org/sub.group', 'group', 'gitlab-org/sub.group'],
    ['user:alice', 'user', 'alice'],
    ['user:A.b_c-9', 'user', 'A.b_c-9'],
  ])('parses %s', (text, type, name) => {
    expect(parseActorId(text)).toEqual({ type, name });
  });

  it.each([
    ['', /expected "<type>:<name>" with type project, group, user/],
    ['alice', /Invalid actor id "alice".*type project, group, user/],
    ['Project:278964', /Invalid actor id "Project:278964".*type project, group, user/],
    ['namespace:gitlab-org', /type project, group, user/],
    ['project:gitlab', /"project:gitlab".*project name must be a path with at least one "\/"/],
    ['project:gitlab-org/', /project name/],
    ['project:/gitlab', /project name/],
    ['group:', /"group:".*group name must be one or more path segments/],
    ['group:a//b', /group name/],
    ['user:alice/bob', /"user:alice\/bob".*user name must be a single name without "\/"/],
    ['user:al ice', /user name.*letters, digits, "_", "." and "-"/],
    ['user:alice:bob', /user name/],
  ])('rejects %j', (text, message) => {
    expect(() => parseActorId(text)).toThrow(InvalidFlagInput);
    expect(() => parseActorId(text)).toThrow(message);
  });

  it('rejects values that are not strings', () => {
    expect(() => parseActorId(42 as unknown as string)).toThrow(/Invalid actor id 42: expected a string/);
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
  it('builds ids that parse back', () => {
    for (const type of ACTOR_TYPES) {
      const name = type === 'project' ? 'gitlab-org/gitlab' : 'gitlab-org';
      const text = formatActorId(type, name);
      expect(text).toBe(`${type}:${name}`);
      expect(parseActorId(text)).toEqual({ type, name });
    }
  });

  it('rejects bad names and types', () => {
    expect(() => formatActorId('project', 'gitlab')).toThrow(/project name must be a path/);
    expect(() => formatActorId('team' as 'user', 'x')).toThrow(/Invalid actor type "team": expected one of project, group, user/);
  });
});

describe('productionActorIds', () => {
  it('lists projects, then groups, then users, each as an actor id', () => {
    expect(
      productionActorIds({ project: ['gitlab-org/gitlab', 'gitlab-com/www-gitlab-com'], group: ['gitlab-org'], user: ['alice', 'bob'] }),
    ).toEqual(['project:gitlab-org/gitlab', 'project:gitlab-com/www-gitlab-com', 'group:gitlab-org', 'user:alice', 'user:bob']);
    expect(productionActorIds({ project: [], group: [], user: [] })).toEqual([]);
  });

  it('rejects a bad name with the actor-id error', () => {
    expect(() => productionActorIds({ project: ['gitlab'], group: [], user: [] })).toThrow(InvalidFlagInput);
    expect(() => productionActorIds({ project: [], group: [], user: ['alice/bob'] })).toThrow(/"user:alice\/bob".*user name must be a single name/);
  });
});
