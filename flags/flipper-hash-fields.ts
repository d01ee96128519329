// Converts flag gates to and from the fields of a Flipper Redis feature hash, as Flipper's Redis adapter writes them.
import { emptyGates, type FlagGates } from './flag-gates';

export const BOOLEAN_FIELD = 'boolean';
export const PERCENTAGE_OF_ACTORS_FIELD = 'percentage_of_actors';
export const PERCENTAGE_OF_TIME_FIELD = 'percentage_of_time';
export const ACTOR_FIELD_PREFIX = 'actors/';
export const GROUP_FIELD_PREFIX = 'groups/';

/**
 * The hash fields for `gates` as a flat [field, value, …] list, valued as Flipper writes them: `boolean` "true",
 * percentages as decimal text ("25", "0.5"), "1" for each `actors/<id>` and `groups/<name>`; unset gates have no field.
 */
export function gatesToHashFields(gates: FlagGates): string[] {
  const fields: string[] = [];
  if (gates.boolean === true) fields.push(BOOLEAN_FIELD, 'true');
  if (gates.percentageOfActors !== null) fields.push(PERCENTAGE_OF_ACTORS_FIELD, String(gates.percentageOfActors));
  if (gates.percentageOfTime !== null) fields.push(PERCENTAGE_OF_TIME_FIELD, String(gates.percentageOfTime));
  for (const actor of gates.actors) fields.push(`${ACTOR_FIELD_PREFIX}${actor}`, '1');
  for (const group of gates.groups) fields.push(`${GROUP_FIELD_PREFIX}${group}`, '1');
  return fields;
}

/**
 * The gates held by a feature hash (HGETALL result). Fields this store does not model (e.g. Flipper's `expression`
 * gate) are ignored here and kept by writes (foreignHashFields); a percentage that is not a number is reported.
 */
export function gatesFromHashFields(hash: Record<string, string>, key: string): FlagGates {
  const gates = emptyGates();
  const actors: string[] = [];
  const groups: string[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field === BOOLEAN_FIELD) gates.boolean = value === 'true' ? true : null;
    else if (field === PERCENTAGE_OF_ACTORS_FIELD) gates.percentageOfActors = parseStoredPercentage(value, key, field);
    else if (field === PERCENTAGE_OF_TIME_FIELD) gates.percentageOfTime = parseStoredPercentage(value, key, field);
    else if (field.startsWith(ACTOR_FIELD_PREFIX)) actors.push(field.slice(ACTOR_FIELD_PREFIX.length));
    else if (field.startsWith(GROUP_FIELD_PREFIX)) groups.push(field.slice(GROUP_FIELD_PREFIX.length));
  }
  gates.actors = actors.sort();
  gates.groups = groups.sort();
  return gates;
}

/** True for the fields that hold the gates FlagGates models. */
export function isGateField(field: string): boolean {
  return (
    field === BOOLEAN_FIELD ||
    field === PERCENTAGE_OF_ACTORS_FIELD ||
    field === PERCENTAGE_OF_TIME_FIELD ||
    field.startsWith(ACTOR_FIELD_PREFIX) ||
    field.startsWith(GROUP_FIELD_PREFIX)
  );
}

/** The fields of `hash` this store does not model, as a flat [field, value, …] list (a write keeps them). */
export function foreignHashFields(hash: Record<string, string>): string[] {
  return Object.entries(hash)
    .filter(([field]) => !isGateField(field))
    .flat();
}

/** Turns a flat [field, value, …] list into the object HGETALL would return. */
export function hashFieldsToObject(fields: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i] as string] = fields[i + 1] as string;
  return hash;
}

function parseStoredPercentage(value: string, key: string, field: string): number {
  const percentage = Number(value);
  if (value.trim() === '' || !Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw new Error(`Redis hash ${key} field ${field} holds ${JSON.stringify(value)}; expected a percentage from 0 to 100`);
  }
  return percentage;
}
