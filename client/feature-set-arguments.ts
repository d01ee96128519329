// Turns chatops-style `feature set` / `feature delete` arguments into target environments and a flag change.
import { formatActorId, type ActorType } from '../flags/actor-id';
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import type { FlagChange } from '../flags/flag-gates';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { UsageError } from './cli-errors';

export interface EnvironmentOptions {
  dev?: boolean;
  staging?: boolean;
  stagingRef?: boolean;
  production?: boolean;
}

export interface FeatureSetOptions extends EnvironmentOptions {
  actors?: boolean;
  random?: boolean;
  project?: string;
  group?: string;
  user?: string;
}

/** The environments named by --dev/--staging/--staging-ref/--production; production when none is named (as chatops). */
export function targetEnvironments(options: EnvironmentOptions): Environment[] {
  const chosen = ENVIRONMENTS.filter(
    (env) =>
      (env === 'dev' && options.dev) ||
      (env === 'staging' && options.staging) ||
      (env === 'staging-ref' && options.stagingRef) ||
      (env === 'production' && options.production),
  );
  return chosen.length > 0 ? chosen : ['production'];
}

export function featureSetChange(value: string, options: FeatureSetOptions): FlagChange {
  const actors = [
    ...actorIds('project', options.project),
    ...actorIds('group', options.group),
    ...actorIds('user', options.user),
  ];
  if (options.actors && options.random) throw new UsageError('--actors and --random exclude each other: pick one percentage gate');
  if (value === 'true' || value === 'false') {
    if (options.actors || options.random) {
      throw new UsageError(`--actors/--random take a percentage, not ${value} (e.g. \`feature set <flag> 25 --actors\`)`);
    }
    if (actors.length > 0) return { kind: value === 'true' ? 'actors' : 'remove-actors', actors };
    return { kind: 'boolean', value: value === 'true' };
  }
  const percentage = Number(value);
  if (value.trim() === '' || !Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw new UsageError(`value ${JSON.stringify(value)} is not allowed: use true, false or a percentage from 0 to 100`);
  }
  if (actors.length > 0) {
    throw new UsageError('a percentage cannot be combined with --project/--group/--user (as in the Features API)');
  }
  // The Features API defaults to percentage of time when no key is given.
  return { kind: 'percentage', gate: options.actors ? 'percentageOfActors' : 'percentageOfTime', value: percentage };
}

/** The actor ids named by --project/--group/--user; a bad name is a usage error with the actor-id rule's text. */
function actorIds(type: ActorType, text: string | undefined): string[] {
  return splitList(text).map((name) => {
    try {
      return formatActorId(type, name);
    } catch (err) {
      if (err instanceof InvalidFlagInput) throw new UsageError(err.message);
      throw err;
    }
  });
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
