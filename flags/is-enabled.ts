// Decides whether a flag is on for one check, from its Flipper gates: any open gate enables it.
import { gateGroups, type RecordedFlagGates } from './flag-gates';
import { isInPercentageOfActors } from './percentage-of-actors';

/**
 * The actor a check is made for. The store holds group names but not who belongs to them (Flipper evaluates a
 * registered block, GitLab e.g. `gitlab_team_members` from its database), so the caller says which feature groups
 * the actor is a member of — as it names the actor for the actor gates.
 */
export interface CheckedActor {
  /** The actor id, e.g. `group:gitlab-org` or `Project:278964`. */
  id?: string;
  /** The feature groups the actor is a member of, e.g. `['gitlab_team_members']`. */
  groups?: readonly string[];
}

/**
 * True when any gate opens: the boolean gate; an actor gate for the actor's id; a group gate for a group the actor is
 * a member of (as the caller says: without membership, group gates stay closed); the percentage-of-actors gate for
 * the actor's id; the percentage-of-time gate (`random() < percentage / 100`). Absent flags are off.
 * `actor` is the actor id, or a CheckedActor with its groups.
 */
export function isEnabled(
  flag: string,
  gates: RecordedFlagGates | null,
  actor?: string | CheckedActor,
  random: () => number = Math.random,
): boolean {
  if (gates === null) return false;
  if (gates.boolean === true) return true;
  const actorId = typeof actor === 'string' ? actor : actor?.id;
  if (actorId !== undefined) {
    if (gates.actors.includes(actorId)) return true;
  }
  const memberOf = typeof actor === 'object' ? (actor.groups ?? []) : [];
  if (memberOf.length > 0 && gateGroups(gates).some((group) => memberOf.includes(group))) return true;
  if (actorId !== undefined) {
    if (gates.percentageOfActors !== null && isInPercentageOfActors(flag, actorId, gates.percentageOfActors)) {
      return true;
    }
  }
  // random() is drawn only when the gate is set, so callers with a seeded source get reproducible sequences.
  return gates.percentageOfTime !== null && random() < gates.percentageOfTime / 100;
}
