// Turns ChatOps-style `feature set` / `feature delete` arguments into target environments and a flag change.
import { InvalidArgumentError } from 'commander';
import { formatActorId, GITLAB_ACTOR_ID_RULES, parseActorId, type ActorType } from '../flags/actor-id';
import { ENVIRONMENTS, isEnvironment, type Environment } from '../flags/environments';
import { validateFeatureGroupName } from '../flags/feature-group-name';
import type { FlagChange } from '../flags/flag-gates';
import { FLAG_NAME_RULE, isFlagName } from '../flags/flag-name';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { UsageError } from './cli-errors';

/** The environment options of `feature set|delete`, in ChatOps's spelling, and the environment each names. */
export const ENVIRONMENT_OPTIONS = [
  { option: '--dev', key: 'dev', env: 'dev' },
  { option: '--staging', key: 'staging', env: 'staging' },
  { option: '--staging-ref', key: 'stagingRef', env: 'staging-ref' },
  { option: '--production', key: 'production', env: 'production' },
  { option: '--pre', key: 'pre', env: 'pre' },
  { option: '--ops', key: 'ops', env: 'ops' },
] as const;

type EnvironmentOptionKey = (typeof ENVIRONMENT_OPTIONS)[number]['key'];
export type EnvironmentOptions = Partial<Record<EnvironmentOptionKey, boolean>>;

/** The actor options of `feature set`, each the Features API parameter of the same name. */
export const ACTOR_OPTIONS = [
  { option: '--project', key: 'project', type: 'project', what: 'project paths' },
  { option: '--group', key: 'group', type: 'group', what: 'group paths' },
  { option: '--user', key: 'user', type: 'user', what: 'usernames' },
  { option: '--namespace', key: 'namespace', type: 'namespace', what: 'namespace paths' },
  { option: '--repository', key: 'repository', type: 'repository', what: 'repository paths' },
] as const;

type ActorOptionKey = (typeof ACTOR_OPTIONS)[number]['key'];

export interface FeatureSetOptions extends EnvironmentOptions, Partial<Record<ActorOptionKey, string[]>> {
  actors?: boolean;
  random?: boolean;
  ignoreRandomDeprecationCheck?: boolean;
  featureGroup?: string[];
}

/** Commander parser for a repeatable comma-separated option: every occurrence adds its items (`--project a,b --project c`). */
export function accumulateList(text: string, previous: string[] | undefined): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item.length === 0)) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} has an empty item: give names separated by single commas, e.g. a,b`);
  }
  return [...(previous ?? []), ...items];
}

/** Refuses a flag name that breaks the project's rule before anything is read or written. */
export function checkFlagName(flag: string): void {
  if (!isFlagName(flag)) throw new UsageError(`Invalid flag name ${JSON.stringify(flag)}: ${FLAG_NAME_RULE}`);
}

/** The environments named by the environment options; production when none is named (as ChatOps). */
export function targetEnvironments(options: EnvironmentOptions): Environment[] {
  const named = ENVIRONMENT_OPTIONS.filter(({ key }) => options[key] === true);
  for (const { option, env } of named) {
    if (!isEnvironment(env)) {
      throw new UsageError(
        `${option}: this project does not manage the ${env} environment's flags (its environments are ${ENVIRONMENTS.join(', ')}); ` +
          `change ${env} with ChatOps itself`,
      );
    }
  }
  const chosen = ENVIRONMENTS.filter((env) => named.some((option) => option.env === env));
  return chosen.length > 0 ? chosen : ['production'];
}

/** The value of `feature set`: a boolean, or an integer percentage from 0 to 100 (no fractions, exponents or hex). */
export type FeatureValue = { kind: 'boolean'; value: boolean } | { kind: 'percentage'; value: number };

export function parseFeatureValue(text: string): FeatureValue {
  if (text === 'true' || text === 'false') return { kind: 'boolean', value: text === 'true' };
  if (/^[0-9]{1,3}$/.test(text) && Number(text) <= 100) return { kind: 'percentage', value: Number(text) };
  // ChatOps's own message for a value it does not take.
  throw new UsageError(`The value ${JSON.stringify(text)} is invalid. Valid values are: true, false, or an integer from 0 to 100.`);
}

/** The flag change `feature set <flag> <value> [options]` asks for, or a usage error that says what is allowed. */
export function featureSetChange(flag: string, valueText: string, options: FeatureSetOptions): FlagChange {
  const value = parseFeatureValue(valueText);
  const actors = actorIds(options);
  const groups = options.featureGroup ?? [];
  if (options.actors && options.random) throw new UsageError('--actors and --random exclude each other: pick one percentage gate');
  if (value.kind === 'boolean') {
    if (options.actors || options.random) {
      throw new UsageError(`--actors/--random take a percentage, not ${valueText} (e.g. \`feature set ${flag} 25 --actors\`)`);
    }
    if (groups.length > 0 && actors.length > 0) {
      throw new UsageError('--feature-group cannot be combined with actor options in one command: set the group gates and the actor gates separately');
    }
    if (groups.length > 0) return { kind: value.value ? 'groups' : 'remove-groups', groups: featureGroups(groups) };
    if (actors.length > 0) return { kind: value.value ? 'actors' : 'remove-actors', actors };
    return { kind: 'boolean', value: value.value };
  }
  if (actors.length > 0 || groups.length > 0) {
    const named = [...ACTOR_OPTIONS.filter(({ key }) => (options[key] ?? []).length > 0).map(({ option }) => option), ...(groups.length > 0 ? ['--feature-group'] : [])];
    throw new UsageError(
      `a percentage cannot be combined with ${named.join(', ')}: as in the Features API, a percentage applies to every actor ` +
        `(set the actors with true, and the percentage in a separate command)`,
    );
  }
  if (!options.actors && !options.random) {
    throw new UsageError(
      `a percentage needs --actors (percentage of actors: the same actors keep the feature as it grows) or --random ` +
        `(percentage of time), e.g. \`feature set ${flag} ${value.value} --actors\``,
    );
  }
  // As in ChatOps: percentage of time is deprecated, except the settings that are not a coin toss (0 and 100).
  if (options.random && value.value !== 0 && value.value !== 100 && !options.ignoreRandomDeprecationCheck) {
    throw new UsageError(
      `--random (percentage of time) is deprecated: every check is a coin toss, so the same request or user sees the feature ` +
        `both on and off. Use --actors, or add --ignore-random-deprecation-check if you know the code copes with that`,
    );
  }
  return { kind: 'percentage', gate: options.actors ? 'percentageOfActors' : 'percentageOfTime', value: value.value };
}

/** `feature set …` in ChatOps form with canonical option order, for the audit trail and messages. */
export function featureSetCommandText(flag: string, valueText: string, options: FeatureSetOptions): string {
  const parts = ['feature', 'set', flag, valueText];
  if (options.actors) parts.push('--actors');
  if (options.random) parts.push('--random');
  if (options.ignoreRandomDeprecationCheck) parts.push('--ignore-random-deprecation-check');
  for (const { option, key } of ACTOR_OPTIONS) if ((options[key] ?? []).length > 0) parts.push(`${option}=${(options[key] ?? []).join(',')}`);
  if ((options.featureGroup ?? []).length > 0) parts.push(`--feature-group=${(options.featureGroup ?? []).join(',')}`);
  return [...parts, ...environmentOptionsText(options)].join(' ');
}

/** `feature delete …` in ChatOps form. */
export function featureDeleteCommandText(flag: string, options: EnvironmentOptions): string {
  return ['feature', 'delete', flag, ...environmentOptionsText(options)].join(' ');
}

function environmentOptionsText(options: EnvironmentOptions): string[] {
  return ENVIRONMENT_OPTIONS.filter(({ key }) => options[key] === true).map(({ option }) => option);
}

/**
 * The actor ids named by the actor options, in option order: a path (`--project=gitlab-org/gitlab`) or GitLab's own id
 * of that type (`--project=Project:278964`). A bad name is a usage error with the actor-id rule's text.
 */
function actorIds(options: FeatureSetOptions): string[] {
  return ACTOR_OPTIONS.flatMap(({ option, key, type }) => (options[key] ?? []).map((name) => asUsageError(`${option} ${JSON.stringify(name)}`, () => actorId(option, type, name))));
}

function actorId(option: string, type: ActorType, name: string): string {
  if (!name.includes(':')) return formatActorId(type, name);
  const id = parseActorId(name);
  if (id.form !== 'gitlab' || id.type !== type) {
    throw new UsageError(`${option} takes a ${type} path or GitLab's ${type} id (e.g. ${GITLAB_ACTOR_ID_RULES[type].example}), not ${JSON.stringify(name)}`);
  }
  return name;
}

function featureGroups(groups: string[]): string[] {
  return groups.map((name) => asUsageError(`--feature-group ${JSON.stringify(name)}`, () => (validateFeatureGroupName(name), name)));
}

function asUsageError<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof InvalidFlagInput) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
}
