// The Flipper gate values of one flag in one environment, as plain data that workflows can carry.

/** Gate values of one flag in one environment; `null` means the gate is not set. */
export interface FlagGates {
  /** `true` when the boolean gate is on (`feature set <flag> true`); `null` when unset. */
  boolean: boolean | null;
  /** Actor ids with an actor gate, sorted, e.g. `project:gitlab-org/gitlab`. */
  actors: string[];
  /** Percentage of actors, 0–100 (fractions allowed), or `null`. */
  percentageOfActors: number | null;
  /** Percentage of time, 0–100 (fractions allowed), or `null`. */
  percentageOfTime: number | null;
}

/** What a flag that was never set (or was deleted) looks like. */
export function emptyGates(): FlagGates {
  return { boolean: null, actors: [], percentageOfActors: null, percentageOfTime: null };
}

/** One change to a flag's gates, in the vocabulary of `feature set`. */
export type FlagChange =
  | { kind: 'boolean'; value: boolean } // true sets the boolean gate; false clears every gate (Flipper's disable)
  | { kind: 'actors'; actors: string[] } // adds actor gates
  | { kind: 'remove-actors'; actors: string[] } // removes actor gates (`feature set --project=x <flag> false`)
  | { kind: 'percentage'; gate: 'percentageOfActors' | 'percentageOfTime'; value: number }
  | { kind: 'restore'; gates: FlagGates | null }; // puts back exactly these gates; null deletes the flag

/** Returns the gates that result from applying `change` to `current` (pure; the stores apply the same rule). */
export function applyChangeToGates(current: FlagGates | null, change: FlagChange): FlagGates | null {
  const base = current ?? emptyGates();
  switch (change.kind) {
    case 'boolean':
      return change.value ? { ...base, boolean: true } : emptyGates();
    case 'actors':
      return { ...base, actors: [...new Set([...base.actors, ...change.actors])].sort() };
    case 'remove-actors': {
      const removed = new Set(change.actors);
      return { ...base, actors: base.actors.filter((actor) => !removed.has(actor)) };
    }
    case 'percentage':
      return { ...base, [change.gate]: change.value };
    case 'restore':
      return change.gates === null ? null : { ...change.gates, actors: [...change.gates.actors].sort() };
  }
}

/** True when both describe the same gates (actor order aside); `null` (flag absent) equals only `null`. */
export function sameGates(a: FlagGates | null, b: FlagGates | null): boolean {
  if (a === null || b === null) return a === b;
  const actors = (gates: FlagGates) => [...gates.actors].sort().join('\n');
  return a.boolean === b.boolean && a.percentageOfActors === b.percentageOfActors && a.percentageOfTime === b.percentageOfTime && actors(a) === actors(b);
}
