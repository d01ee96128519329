// The Flipper gate values of one flag in one environment, as plain data that workflows can carry.

/** Gate values of one flag in one environment; `null` means the gate is not set. */
export interface FlagGates {
  /** `true` when the boolean gate is on (`feature set <flag> true`); `null` when unset. */
  boolean: boolean | null;
  /** Actor ids with an actor gate, sorted, e.g. `project:gitlab-org/gitlab` or `Project:278964`. */
  actors: string[];
  /**
   * Flipper feature groups with a group gate, sorted, e.g. `gitlab_team_members`. Gates recorded before the group
   * gate existed (workflow histories, change records) have no `groups` field: read them as RecordedFlagGates.
   */
  groups: string[];
  /** Percentage of actors, 0–100 (fractions allowed), or `null`. */
  percentageOfActors: number | null;
  /** Percentage of time, 0–100 (fractions allowed), or `null`. */
  percentageOfTime: number | null;
}

/**
 * FlagGates as they may come back from a workflow history or an old change record: `groups` may be missing, and
 * means no group gate. Every function that reads gates takes this type and treats a missing `groups` as [].
 */
export type RecordedFlagGates = Omit<FlagGates, 'groups'> & { groups?: string[] };

/** What a flag that was never set (or was deleted) looks like. */
export function emptyGates(): FlagGates {
  return { boolean: null, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null };
}

/** The group gates of `gates`; [] when the gates were recorded before the group gate existed. */
export function gateGroups(gates: RecordedFlagGates): string[] {
  return gates.groups ?? [];
}

/** A copy in today's shape: `groups` present, actors and groups sorted (fields in emptyGates()'s order). */
export function normalizeGates(gates: RecordedFlagGates): FlagGates {
  return {
    boolean: gates.boolean,
    actors: [...gates.actors].sort(),
    groups: [...gateGroups(gates)].sort(),
    percentageOfActors: gates.percentageOfActors,
    percentageOfTime: gates.percentageOfTime,
  };
}

/** One change to a flag's gates, in the vocabulary of `feature set`. */
export type FlagChange =
  | { kind: 'boolean'; value: boolean } // true sets the boolean gate; false clears every gate (Flipper's disable)
  | { kind: 'actors'; actors: string[] } // adds actor gates
  | { kind: 'remove-actors'; actors: string[] } // removes actor gates (`feature set --project=x <flag> false`)
  | { kind: 'groups'; groups: string[] } // adds group gates (`feature set --feature-group=x <flag> true`)
  | { kind: 'remove-groups'; groups: string[] } // removes group gates (`feature set --feature-group=x <flag> false`)
  | { kind: 'percentage'; gate: 'percentageOfActors' | 'percentageOfTime'; value: number }
  | { kind: 'restore'; gates: FlagGates | null }; // puts back exactly these gates; null deletes the flag

/** The change kinds, in the order of FlagChange. */
export const FLAG_CHANGE_KINDS = ['boolean', 'actors', 'remove-actors', 'groups', 'remove-groups', 'percentage', 'restore'] as const;

/** Returns the gates that result from applying `change` to `current` (pure; the stores apply the same rule). */
export function applyChangeToGates(current: RecordedFlagGates | null, change: FlagChange): FlagGates | null {
  const base = current === null ? emptyGates() : normalizeGates(current);
  switch (change.kind) {
    case 'boolean':
      return change.value ? { ...base, boolean: true } : emptyGates();
    case 'actors':
      return { ...base, actors: [...new Set([...base.actors, ...change.actors])].sort() };
    case 'remove-actors': {
      const removed = new Set(change.actors);
      return { ...base, actors: base.actors.filter((actor) => !removed.has(actor)) };
    }
    case 'groups':
      return { ...base, groups: [...new Set([...base.groups, ...change.groups])].sort() };
    case 'remove-groups': {
      const removed = new Set(change.groups);
      return { ...base, groups: base.groups.filter((group) => !removed.has(group)) };
    }
    case 'percentage':
      return { ...base, [change.gate]: change.value };
    case 'restore':
      // A restore recorded before the group gate existed carries no `groups`: it restores none.
      return change.gates === null ? null : normalizeGates(change.gates);
  }
}

/** True when both describe the same gates (actor and group order aside; a missing `groups` is []); `null` equals only `null`. */
export function sameGates(a: RecordedFlagGates | null, b: RecordedFlagGates | null): boolean {
  if (a === null || b === null) return a === b;
  const list = (items: string[]) => [...items].sort().join('\n');
  return (
    a.boolean === b.boolean &&
    a.percentageOfActors === b.percentageOfActors &&
    a.percentageOfTime === b.percentageOfTime &&
    list(a.actors) === list(b.actors) &&
    list(gateGroups(a)) === list(gateGroups(b))
  );
}
