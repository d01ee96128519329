// The pure rules of the GitLab backend: GitLab's gates as FlagGates, the calls a change or a restore makes, retries.
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import { gatesFromGitLabFeature, gitLabShape, writesForChange, writesForRestore } from '../flags/gitlab-feature-writes';
import { featureValueText, setFeatureBody } from '../gitlab/gitlab-features-api';
import { nextPageNumber, nextPageUrl } from '../gitlab/gitlab-pagination';
import { backoffDelay, DEFAULT_GITLAB_RETRY_POLICY, parseRetryAfter, retryDecision } from '../gitlab/gitlab-retry-policy';

const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });
const set = (params: object) => ({ kind: 'set', params });

describe('gatesFromGitLabFeature', () => {
  it('reads boolean false as unset, drops percentages GitLab reports as 0, and takes the translated actors', () => {
    const feature = {
      name: 'f',
      state: 'conditional' as const,
      gates: [
        { key: 'boolean' as const, value: false },
        { key: 'actors' as const, value: ['Project:1'] },
        { key: 'groups' as const, value: ['b_group', 'a_group'] },
        { key: 'percentage_of_actors' as const, value: 42 },
        { key: 'percentage_of_time' as const, value: 0 },
      ],
    };
    expect(gatesFromGitLabFeature(feature, ['project:a/b'])).toEqual(gates({ actors: ['project:a/b'], groups: ['a_group', 'b_group'], percentageOfActors: 42 }));
  });
});

describe('writesForChange: one ChatOps call per change', () => {
  it('sends actors by type as comma lists, groups one by one, percentages with their key', () => {
    expect(writesForChange({ kind: 'actors', actors: ['user:alice', 'project:a/b', 'group:g', 'project:c/d', 'namespace:n', 'repository:a/b.git'] })).toEqual([
      set({ value: true, user: ['alice'], project: ['a/b', 'c/d'], group: ['g'], namespace: ['n'], repository: ['a/b.git'] }),
    ]);
    expect(writesForChange({ kind: 'remove-groups', groups: ['a', 'b'] })).toEqual([set({ value: false, feature_group: 'a' }), set({ value: false, feature_group: 'b' })]);
    expect(writesForChange({ kind: 'percentage', gate: 'percentageOfTime', value: 12.5 })).toEqual([set({ value: 12.5, key: 'percentage_of_time' })]);
    expect(writesForChange({ kind: 'boolean', value: false })).toEqual([set({ value: false })]);
    expect(() => writesForChange({ kind: 'actors', actors: ['User:1'] })).toThrow(/GitLab's id form/);
  });
});

describe('writesForRestore: from the gates found to the gates wanted', () => {
  it('adds and removes only what differs when no gate must go that the API cannot remove by itself', () => {
    const current = gates({ actors: ['project:a/b', 'user:x'], groups: ['g1'], percentageOfActors: 50 });
    const target = gates({ actors: ['project:a/b', 'group:new'], groups: ['g2'], percentageOfActors: 10 });
    expect(writesForRestore(current, target)).toEqual({
      writes: [
        set({ value: false, user: ['x'] }),
        set({ value: false, feature_group: 'g1' }),
        set({ value: true, group: ['new'] }),
        set({ value: true, feature_group: 'g2' }),
        set({ value: 10, key: 'percentage_of_actors' }),
      ],
      unrestorable: [],
    });
    expect(writesForRestore(target, target)).toEqual({ writes: [], unrestorable: [] });
  });

  it('clears first when the boolean gate or a percentage must go, or an actor without a path', () => {
    const target = gates({ actors: ['user:x'], percentageOfTime: 5 });
    const cleared = [set({ value: false }), set({ value: true, user: ['x'] }), set({ value: 5, key: 'percentage_of_time' })];
    expect(writesForRestore(gates({ boolean: true }), target).writes).toEqual(cleared);
    expect(writesForRestore(gates({ actors: ['user:x'], percentageOfActors: 50, percentageOfTime: 5 }), target).writes).toEqual(cleared);
    expect(writesForRestore(gates({ actors: ['user:x', 'Repository:@hashed/aa/bb/cc.git'], percentageOfTime: 5 }), target).writes).toEqual(cleared);
  });

  it('sets the boolean gate with the call that clears, then the rest; deletes for null; creates an empty flag', () => {
    expect(writesForRestore(gates({ actors: ['user:x'] }), gates({ boolean: true, groups: ['g'] })).writes).toEqual([set({ value: true }), set({ value: true, feature_group: 'g' })]);
    expect(writesForRestore(gates({ boolean: true }), null).writes).toEqual([{ kind: 'delete' }]);
    expect(writesForRestore(null, null).writes).toEqual([]);
    expect(writesForRestore(null, emptyGates()).writes).toEqual([set({ value: false })]);
  });

  it('lists the actors in GitLab\'s id form it cannot put back (no path to send)', () => {
    const plan = writesForRestore(gates({ boolean: true }), gates({ actors: ['Project:404', 'user:x'] }));
    expect(plan).toEqual({ writes: [set({ value: false }), set({ value: true, user: ['x'] })], unrestorable: ['Project:404'] });
  });

  it('shapes gates as GitLab holds them: 0 is no gate, 100 is the boolean gate', () => {
    expect(gitLabShape(gates({ percentageOfActors: 100, percentageOfTime: 0 }))).toEqual(gates({ boolean: true }));
  });
});

describe('request bodies', () => {
  it('spells values as GitLab parses them and joins lists with commas', () => {
    expect(featureValueText(1e-7)).toBe('0.0000001');
    expect(featureValueText(33.5)).toBe('33.5');
    expect(featureValueText(true)).toBe('true');
    expect(setFeatureBody({ value: true, project: ['a/b', 'c/d'], force: true })).toEqual({ value: 'true', project: 'a/b,c/d', force: true });
    expect(() => setFeatureBody({ value: true, user: ['a,b'] })).toThrow(/without commas/);
  });
});

describe('retries', () => {
  const policy = DEFAULT_GITLAB_RETRY_POLICY;
  it('repeats what cannot apply twice, and waits as long as Retry-After asks (up to the policy\'s limit)', () => {
    expect(retryDecision({ kind: 'answer', status: 429, retryAfter: '2' }, 1, false, policy)).toEqual({ retry: true, delayMs: 2000 });
    expect(retryDecision({ kind: 'answer', status: 429, retryAfter: '60' }, 1, true, policy)).toEqual({ retry: false, retryAfterMs: 60_000 });
    expect(retryDecision({ kind: 'answer', status: 500 }, 1, false, policy)).toEqual({ retry: false });
    expect(retryDecision({ kind: 'answer', status: 500 }, 1, true, policy, 0, () => 0)).toEqual({ retry: true, delayMs: 100 });
    expect(retryDecision({ kind: 'answer', status: 500 }, 4, true, policy)).toEqual({ retry: false });
    expect(retryDecision({ kind: 'answer', status: 404 }, 1, true, policy)).toEqual({ retry: false });
    expect(retryDecision({ kind: 'network', sent: false }, 1, false, policy, 0, () => 1)).toEqual({ retry: true, delayMs: 200 });
    expect(retryDecision({ kind: 'network', sent: true }, 1, false, policy)).toEqual({ retry: false });
  });

  it('reads Retry-After as seconds or an HTTP date, and backs off exponentially with a cap', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 1))).toEqual([200, 400, 800, 1600, 2000]);
  });

  it('finds the next page in x-next-page, else in the Link header', () => {
    expect(nextPageNumber(new Headers({ 'x-next-page': '3' }))).toBe(3);
    expect(nextPageNumber(new Headers({ 'x-next-page': '' }))).toBeNull();
    const link = '<https://gitlab.example.com/api/v4/projects/1/issues?page=1>; rel="first", <https://gitlab.example.com/api/v4/projects/1/issues?page=2&per_page=20>; rel="next"';
    expect(nextPageNumber(new Headers({ link }))).toBe(2);
    expect(nextPageUrl(new Headers({ link: '<https://gitlab.example.com/api/v4/x?cursor=abc>; rel="next"' }))).toBe('https://gitlab.example.com/api/v4/x?cursor=abc');
  });
});
