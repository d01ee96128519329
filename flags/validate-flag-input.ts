// Checks flag names, environments, changes and change ids before a store touches anything.
import { parseActorId } from './actor-id';
import { ENVIRONMENTS, isEnvironment, type Environment } from './environments';
import { FLAG_CHANGE_KINDS, type FlagChange, type RecordedFlagGates } from './flag-gates';
import { validateFeatureGroupName } from './feature-group-name';
import { FLAG_NAME_RULE, isFlagName } from './flag-name';
import { InvalidFlagInput } from './invalid-flag-input';

const PERCENTAGE_GATES = ['percentageOfActors', 'percentageOfTime'] as const;

/** Throws InvalidFlagInput when any argument of a store's `apply` is unusable; returns nothing otherwise. */
export function validateFlagInput(flag: string, env: Environment, change: FlagChange, changeId?: string): void {
  validateFlagName(flag);
  validateEnvironment(env);
  validateFlagChange(change);
  if (changeId !== undefined) validateChangeId(changeId);
}

export function validateFlagName(flag: string): void {
  if (!isFlagName(flag)) {
    throw new InvalidFlagInput(`Invalid flag name ${describe(flag)}: ${FLAG_NAME_RULE}`);
  }
}

export function validateEnvironment(env: string): asserts env is Environment {
  if (typeof env !== 'string' || !isEnvironment(env)) {
    throw new InvalidFlagInput(`Unknown environment ${JSON.stringify(env)}: expected one of ${ENVIRONMENTS.join(', ')}`);
  }
}

export function validateChangeId(changeId: string): void {
  if (typeof changeId !== 'string' || changeId.length === 0 || changeId.length > 512) {
    throw new InvalidFlagInput(`Invalid change id ${JSON.stringify(changeId)}: expected a non-empty string of at most 512 characters`);
  }
}

export function validatePercentage(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidFlagInput(`Invalid ${what} ${describe(value)}: expected a finite number from 0 to 100 (fractions allowed)`);
  }
}

export function validateFlagChange(change: FlagChange): void {
  const kind = (change as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'boolean': {
      const { value } = change as { value?: unknown };
      if (typeof value !== 'boolean') {
        throw new InvalidFlagInput(`Invalid boolean change value ${describe(value)}: expected true or false`);
      }
      return;
    }
    case 'actors':
    case 'remove-actors':
      validateActorList((change as { actors?: unknown }).actors, `${kind} change`);
      return;
    case 'groups':
    case 'remove-groups':
      validateGroupList((change as { groups?: unknown }).groups, `${kind} change`);
      return;
    case 'percentage': {
      const { gate, value } = change as { gate?: unknown; value?: unknown };
      if (!(PERCENTAGE_GATES as readonly unknown[]).includes(gate)) {
        throw new InvalidFlagInput(`Invalid percentage gate ${describe(gate)}: expected ${PERCENTAGE_GATES.join(' or ')}`);
      }
      validatePercentage(value, `${String(gate)} percentage`);
      return;
    }
    case 'restore':
      validateRestoreGates((change as { gates?: unknown }).gates);
      return;
    default:
      throw new InvalidFlagInput(`Invalid flag change kind ${describe(kind)}: expected one of ${FLAG_CHANGE_KINDS.join(', ')}`);
  }
}

function validateActorList(actors: unknown, what: string): asserts actors is string[] {
  if (!Array.isArray(actors)) {
    throw new InvalidFlagInput(`Invalid ${what}: actors must be an array of actor ids, got ${describe(actors)}`);
  }
  for (const actor of actors) parseActorId(actor as string);
}

function validateGroupList(groups: unknown, what: string): asserts groups is string[] {
  if (!Array.isArray(groups)) {
    throw new InvalidFlagInput(`Invalid ${what}: groups must be an array of feature group names, got ${describe(groups)}`);
  }
  for (const group of groups) validateFeatureGroupName(group);
}

// A restore puts back gates that were read from the store, which may hold actors and groups this project would not
// write (a Ruby app's `Ci::Runner:5` or `User;25`): anything a Flipper hash field can name is restorable.
function validateStoredNames(names: unknown, what: 'actors' | 'groups'): asserts names is string[] {
  if (!Array.isArray(names)) {
    throw new InvalidFlagInput(`Invalid restore gates: ${what} must be an array of strings, got ${describe(names)}`);
  }
  for (const name of names) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidFlagInput(`Invalid restore gates: ${what} hold ${describe(name)}; expected non-empty strings`);
    }
  }
}

// Restored gates must be storable as written, so both stores return exactly what applyChangeToGates computes.
// Gates recorded before the group gate existed have no `groups`: that means none.
function validateRestoreGates(gates: unknown): asserts gates is RecordedFlagGates | null {
  if (gates === null) return;
  if (typeof gates !== 'object' || Array.isArray(gates)) {
    throw new InvalidFlagInput(`Invalid restore gates ${describe(gates)}: expected null (delete the flag) or a FlagGates object`);
  }
  const { boolean, actors, groups = [], percentageOfActors, percentageOfTime } = gates as Record<string, unknown>;
  if (boolean !== true && boolean !== null) {
    throw new InvalidFlagInput(
      `Invalid restore gate boolean ${describe(boolean)}: expected true or null (Flipper has no "false" boolean gate)`,
    );
  }
  validateStoredNames(actors, 'actors');
  if (new Set(actors).size !== actors.length) {
    throw new InvalidFlagInput(`Invalid restore gates: actors ${JSON.stringify(actors)} contain duplicates; expected each actor id once`);
  }
  validateStoredNames(groups, 'groups');
  if (new Set(groups).size !== groups.length) {
    throw new InvalidFlagInput(`Invalid restore gates: groups ${JSON.stringify(groups)} contain duplicates; expected each group once`);
  }
  if (percentageOfActors !== null) validatePercentage(percentageOfActors, 'restore percentageOfActors');
  if (percentageOfTime !== null) validatePercentage(percentageOfTime, 'restore percentageOfTime');
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value); // JSON.stringify would print NaN and Infinity as null
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
