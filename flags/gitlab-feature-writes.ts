// Translates between FlagGates and GitLab's Features API: the gates a feature holds, and the calls that change them.
import type { GitLabFeature, SetFeatureParams } from '../gitlab/gitlab-features-api';
import { parseActorId, type ActorId, type ActorType } from './actor-id';
import { emptyGates, normalizeGates, type FlagChange, type FlagGates } from './flag-gates';
import { InvalidFlagInput } from './invalid-flag-input';

/** One call to the Features API: `POST /features/:name` with these parameters, or `DELETE /features/:name`. */
export type GitLabFeatureWrite = { kind: 'set'; params: SetFeatureParams } | { kind: 'delete' };

/** The writes of a restore, and the actors it cannot put back (see writesForRestore). */
export interface RestorePlan {
  writes: GitLabFeatureWrite[];
  unrestorable: string[];
}

const PARAM_OF_TYPE: Readonly<Record<ActorType, 'project' | 'group' | 'user' | 'namespace' | 'repository'>> = {
  project: 'project',
  group: 'group',
  user: 'user',
  namespace: 'namespace',
  repository: 'repository',
};

/**
 * The gates of a feature as GitLab reports it, with its actor ids already translated by the caller (`actors`). The
 * boolean gate `false` is "not set"; GitLab leaves out percentages of 0, so they read as `null`.
 */
export function gatesFromGitLabFeature(feature: GitLabFeature, actors: readonly string[]): FlagGates {
  const gates = emptyGates();
  for (const gate of feature.gates) {
    if (gate.key === 'boolean') gates.boolean = gate.value === true ? true : null;
    else if (gate.key === 'groups') gates.groups = [...gate.value];
    else if (gate.key === 'percentage_of_actors') gates.percentageOfActors = positiveOrNull(gate.value);
    else if (gate.key === 'percentage_of_time') gates.percentageOfTime = positiveOrNull(gate.value);
  }
  gates.actors = [...actors];
  return normalizeGates(gates);
}

/** The GitLab actor ids (flipper_ids) of a feature's actor gate, e.g. `["Project:278964", "User:1"]`. */
export function gitLabActorIds(feature: GitLabFeature): string[] {
  const gate = feature.gates.find((g) => g.key === 'actors');
  return gate && Array.isArray(gate.value) ? gate.value.map(String) : [];
}

/**
 * The calls that make `change`, as `feature set` would through ChatOps; each is idempotent (the same call twice
 * leaves the same gates). GitLab's own rules apply: `true` and `false` clear every other gate, and a percentage of 0
 * or 100 is `false` or `true`.
 */
export function writesForChange(change: Exclude<FlagChange, { kind: 'restore' }>): GitLabFeatureWrite[] {
  switch (change.kind) {
    case 'boolean':
      return [set({ value: change.value })];
    case 'actors':
    case 'remove-actors': {
      if (change.actors.length === 0) return [];
      return [set({ value: change.kind === 'actors', ...actorParams(change.actors, (actor) => { throw notPostable(actor); }) })];
    }
    case 'groups':
    case 'remove-groups':
      return change.groups.map((group) => set({ value: change.kind === 'groups', feature_group: group }));
    case 'percentage':
      return [set({ value: change.value, key: change.gate === 'percentageOfActors' ? 'percentage_of_actors' : 'percentage_of_time' })];
  }
}

/**
 * The calls that turn `current` into `target` (`null`: absent). The API cannot remove the boolean gate or a
 * percentage by itself, so when one must go the plan first clears the flag (`value=false`, or `value=true` when the
 * target has the boolean gate, which clears too) and then sets the rest; otherwise it only adds and removes what
 * differs. Actors in GitLab's id form (`Project:278964` whose record is gone, `Repository:@hashed/…`) have no path
 * to send: the plan never needs to remove one without clearing, and lists those it cannot put back in `unrestorable`.
 */
export function writesForRestore(current: FlagGates | null, target: FlagGates | null): RestorePlan {
  if (target === null) return { writes: current === null ? [] : [{ kind: 'delete' }], unrestorable: [] };
  const want = gitLabShape(target);
  const writes: GitLabFeatureWrite[] = [];
  let base: FlagGates;
  if (current !== null && incrementallyReachable(current, want)) {
    base = normalizeGates(current);
  } else {
    // `true` clears every gate and sets the boolean one; `false` clears every gate and keeps the flag.
    writes.push(set({ value: want.boolean === true }));
    base = { ...emptyGates(), boolean: want.boolean === true ? true : null };
  }
  const removedActors = base.actors.filter((actor) => !want.actors.includes(actor));
  if (removedActors.length > 0) writes.push(set({ value: false, ...actorParams(removedActors, (actor) => { throw notPostable(actor); }) }));
  for (const group of base.groups.filter((g) => !want.groups.includes(g))) writes.push(set({ value: false, feature_group: group }));
  const unrestorable: string[] = [];
  const addedActors = want.actors.filter((actor) => !base.actors.includes(actor));
  const added = actorParams(addedActors, (actor) => unrestorable.push(actor));
  if (Object.keys(added).length > 0) writes.push(set({ value: true, ...added }));
  for (const group of want.groups.filter((g) => !base.groups.includes(g))) writes.push(set({ value: true, feature_group: group }));
  if (want.percentageOfActors !== null && want.percentageOfActors !== base.percentageOfActors) {
    writes.push(set({ value: want.percentageOfActors, key: 'percentage_of_actors' }));
  }
  if (want.percentageOfTime !== null && want.percentageOfTime !== base.percentageOfTime) {
    writes.push(set({ value: want.percentageOfTime, key: 'percentage_of_time' }));
  }
  // A flag that must exist without gates and does not exist yet: `false` creates it, cleared.
  if (writes.length === 0 && current === null) writes.push(set({ value: false }));
  return { writes, unrestorable };
}

/** The gates as GitLab can hold them: a percentage of 0 is no gate, one of 100 is the boolean gate. */
export function gitLabShape(gates: FlagGates): FlagGates {
  const shaped = normalizeGates(gates);
  if (shaped.percentageOfActors === 100 || shaped.percentageOfTime === 100) shaped.boolean = true;
  shaped.percentageOfActors = positiveBelowHundredOrNull(shaped.percentageOfActors);
  shaped.percentageOfTime = positiveBelowHundredOrNull(shaped.percentageOfTime);
  return shaped;
}

/** Whether `current` becomes `want` by adding and removing gates only, without clearing the flag. */
function incrementallyReachable(current: FlagGates, want: FlagGates): boolean {
  if ((current.boolean === true) !== (want.boolean === true)) return false;
  if (current.percentageOfActors !== null && want.percentageOfActors === null) return false;
  if (current.percentageOfTime !== null && want.percentageOfTime === null) return false;
  return current.actors.every((actor) => want.actors.includes(actor) || isPostable(actor));
}

/** The actor parameters of a POST, grouped by type; `unpostable` is called for each actor in GitLab's id form. */
function actorParams(actors: readonly string[], unpostable: (actor: string) => void): Partial<SetFeatureParams> {
  const params: Partial<Record<'project' | 'group' | 'user' | 'namespace' | 'repository', string[]>> = {};
  for (const actor of actors) {
    const id = pathActor(actor);
    if (id === null) {
      unpostable(actor);
      continue;
    }
    (params[PARAM_OF_TYPE[id.type]] ??= []).push(id.name);
  }
  return params;
}

/** The type and path of an actor id in path form; `null` for GitLab's id form or anything else a store may hold. */
function pathActor(actor: string): ActorId | null {
  try {
    const id = parseActorId(actor);
    return id.form === 'path' ? id : null;
  } catch {
    return null;
  }
}

function isPostable(actor: string): boolean {
  return pathActor(actor) !== null;
}

function notPostable(actor: string): InvalidFlagInput {
  return new InvalidFlagInput(
    `Actor ${JSON.stringify(actor)} is in GitLab's id form: the Features API takes paths (project:<namespace/project>, group:<path>, user:<name>, namespace:<path>, repository:<path>.git)`,
  );
}

function set(params: SetFeatureParams): GitLabFeatureWrite {
  return { kind: 'set', params };
}

function positiveOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function positiveBelowHundredOrNull(value: number | null): number | null {
  return value !== null && value > 0 && value < 100 ? value : null;
}
