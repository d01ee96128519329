// `feature set|delete` arguments as ChatOps takes them: values, percentage gates, actors, environments, command text.
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../client/cli-errors';
import {
  accumulateList,
  checkFlagName,
  featureDeleteCommandText,
  featureSetChange,
  featureSetCommandText,
  parseFeatureValue,
  targetEnvironments,
} from '../client/feature-set-arguments';

const FLAG = 'my_flag';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('feature set values', () => {
  it.each([
    ['true', { kind: 'boolean', value: true }],
    ['false', { kind: 'boolean', value: false }],
    ['0', { kind: 'percentage', value: 0 }],
    ['25', { kind: 'percentage', value: 25 }],
    ['100', { kind: 'percentage', value: 100 }],
  ])('reads %j', (text, value) => {
    expect(parseFeatureValue(text)).toEqual(value);
  });

  it.each(['0x10', '1e1', '2.5', '0.01', '-1', '101', '1000', ' 5', '5 ', '', 'TRUE', 'yes', 'Infinity', 'NaN', '+5'])(
    'refuses %j with ChatOps message',
    (text) => {
      expect(usageError(() => parseFeatureValue(text))).toBe(
        `The value ${JSON.stringify(text)} is invalid. Valid values are: true, false, or an integer from 0 to 100.`,
      );
    },
  );
});

describe('feature set percentages', () => {
  it('sets percentage of actors with --actors, of time with --random', () => {
    expect(featureSetChange(FLAG, '25', { actors: true })).toEqual({ kind: 'percentage', gate: 'percentageOfActors', value: 25 });
    expect(featureSetChange(FLAG, '25', { random: true, ignoreRandomDeprecationCheck: true })).toEqual({
      kind: 'percentage',
      gate: 'percentageOfTime',
      value: 25,
    });
  });

  it('refuses a bare percentage: it needs --actors or --random', () => {
    for (const value of ['0', '50', '100']) {
      expect(usageError(() => featureSetChange(FLAG, value, {}))).toBe(
        `a percentage needs --actors (percentage of actors: the same actors keep the feature as it grows) or --random ` +
          `(percentage of time), e.g. \`feature set ${FLAG} ${value} --actors\``,
      );
    }
  });

  it('refuses --random from 1 to 99 without --ignore-random-deprecation-check; 0 and 100 are not a coin toss', () => {
    expect(usageError(() => featureSetChange(FLAG, '10', { random: true }))).toMatch(
      /^--random \(percentage of time\) is deprecated: .*Use --actors, or add --ignore-random-deprecation-check/,
    );
    expect(featureSetChange(FLAG, '0', { random: true })).toEqual({ kind: 'percentage', gate: 'percentageOfTime', value: 0 });
    expect(featureSetChange(FLAG, '100', { random: true })).toEqual({ kind: 'percentage', gate: 'percentageOfTime', value: 100 });
  });

  it('refuses --actors with --random, a percentage gate with true/false, and a percentage with actors', () => {
    expect(usageError(() => featureSetChange(FLAG, '10', { actors: true, random: true }))).toBe(
      '--actors and --random exclude each other: pick one percentage gate',
    );
    expect(usageError(() => featureSetChange(FLAG, 'true', { actors: true }))).toBe(
      `--actors/--random take a percentage, not true (e.g. \`feature set ${FLAG} 25 --actors\`)`,
    );
    expect(usageError(() => featureSetChange(FLAG, '10', { actors: true, project: ['gitlab-org/gitlab'], user: ['alice'] }))).toMatch(
      /^a percentage cannot be combined with --project, --user: as in the Features API/,
    );
  });
});

describe('feature set actors', () => {
  it('builds actor ids from every actor option, in option order, accumulating repeated options', () => {
    const project = accumulateList('gitlab-org/gitlab-foss', accumulateList('gitlab-org/gitlab', undefined));
    expect(project).toEqual(['gitlab-org/gitlab', 'gitlab-org/gitlab-foss']);
    const group = accumulateList('gitlab-org, gitlab-com', undefined);
    expect(featureSetChange(FLAG, 'true', { user: ['alice'], group, project })).toEqual({
      kind: 'actors',
      actors: ['project:gitlab-org/gitlab', 'project:gitlab-org/gitlab-foss', 'group:gitlab-org', 'group:gitlab-com', 'user:alice'],
    });
    expect(featureSetChange(FLAG, 'false', { user: ['alice'] })).toEqual({ kind: 'remove-actors', actors: ['user:alice'] });
    expect(featureSetChange(FLAG, 'true', {})).toEqual({ kind: 'boolean', value: true });
    expect(featureSetChange(FLAG, 'false', {})).toEqual({ kind: 'boolean', value: false });
  });

  it('takes namespaces and repositories, and GitLab ids of the option\'s own type', () => {
    expect(featureSetChange(FLAG, 'true', { namespace: ['gitlab-org'], repository: ['gitlab-org/gitlab.git'], project: ['Project:278964'], group: ['Group:9970'] })).toEqual({
      kind: 'actors',
      actors: ['Project:278964', 'Group:9970', 'namespace:gitlab-org', 'repository:gitlab-org/gitlab.git'],
    });
    expect(usageError(() => featureSetChange(FLAG, 'true', { project: ['Group:9970'] }))).toBe(
      '--project takes a project path or GitLab\'s project id (e.g. Project:278964), not "Group:9970"',
    );
    expect(usageError(() => featureSetChange(FLAG, 'true', { user: ['User:abc'] }))).toMatch(/^--user "User:abc": Invalid actor id "User:abc"/);
  });

  it('adds and removes Flipper group gates with --feature-group, alone', () => {
    expect(featureSetChange(FLAG, 'true', { featureGroup: ['gitlab_team_members'] })).toEqual({ kind: 'groups', groups: ['gitlab_team_members'] });
    expect(featureSetChange(FLAG, 'false', { featureGroup: ['gitlab_team_members'] })).toEqual({ kind: 'remove-groups', groups: ['gitlab_team_members'] });
    expect(usageError(() => featureSetChange(FLAG, 'true', { featureGroup: ['Team Members'] }))).toMatch(
      /^--feature-group "Team Members": Invalid feature group "Team Members": a feature group name is lowercase letters/,
    );
    expect(usageError(() => featureSetChange(FLAG, 'true', { featureGroup: ['admins'], user: ['alice'] }))).toMatch(
      /^--feature-group cannot be combined with actor options in one command/,
    );
    expect(usageError(() => featureSetChange(FLAG, '50', { actors: true, featureGroup: ['admins'] }))).toMatch(/^a percentage cannot be combined with --feature-group/);
  });

  it('refuses an empty item in a list', () => {
    expect(() => accumulateList('a,,b', undefined)).toThrow(InvalidArgumentError);
    expect(() => accumulateList('', undefined)).toThrow('"" has an empty item: give names separated by single commas, e.g. a,b');
  });

  it.each([
    [{ project: ['gitlab'] }, /^--project "gitlab": Invalid actor id "project:gitlab": a project name must be a path with at least one "\/"/],
    [{ group: ['gitlab org'] }, /^--group "gitlab org": Invalid actor id "group:gitlab org": a group name must be/],
    [{ user: ['alice/bob'] }, /^--user "alice\/bob": Invalid actor id "user:alice\/bob": a user name must be a single name without "\/"/],
    [{ group: ['../x'] }, /^--group "\.\.\/x": Invalid actor id/],
    [{ project: ['gitlab-org/../secret'] }, /^--project "gitlab-org\/\.\.\/secret": Invalid actor id/],
  ])('refuses a bad name in %j as a usage error with the actor-id message', (options, message) => {
    expect(usageError(() => featureSetChange(FLAG, 'true', options))).toMatch(message);
  });
});

describe('flag names', () => {
  it.each(['BadFlag', 'bad-flag', '1flag', '', 'a'.repeat(101)])('refuses %j with the flag-name rule', (flag) => {
    expect(usageError(() => checkFlagName(flag))).toMatch(/^Invalid flag name .*: a flag name is lowercase letters, digits and "_"/);
  });
});

describe('environments', () => {
  it('defaults to production, keeps rollout order and names each once', () => {
    expect(targetEnvironments({})).toEqual(['production']);
    expect(targetEnvironments({ production: true, dev: true, stagingRef: true })).toEqual(['dev', 'staging-ref', 'production']);
  });

  it.each([
    [{ pre: true }, '--pre'],
    [{ ops: true, dev: true }, '--ops'],
  ])('refuses %j: this project does not manage that environment', (options, option) => {
    expect(usageError(() => targetEnvironments(options))).toMatch(
      new RegExp(`^${option}: this project does not manage the ${option.slice(2)} environment's flags \\(its environments are dev, staging, staging-ref, production\\)`),
    );
  });
});

describe('command text for the audit trail', () => {
  it('writes the command in ChatOps form with canonical option order', () => {
    expect(featureSetCommandText(FLAG, '25', { production: true, actors: true, staging: true })).toBe(`feature set ${FLAG} 25 --actors --staging --production`);
    expect(featureSetCommandText(FLAG, 'true', { user: ['a', 'b'], project: ['x/y'] })).toBe(`feature set ${FLAG} true --project=x/y --user=a,b`);
    expect(featureDeleteCommandText(FLAG, { dev: true })).toBe(`feature delete ${FLAG} --dev`);
  });
});
