// Decides whether a flag is on for one check, from its Flipper gates: any open gate enables it.
import type { FlagGates } from './flag-gates';
import { isInPercentageOfActors } from './percentage-of-actors';

/**
 * True when any gate opens: the boolean gate, an actor gate for `actorId`, the percentage-of-actors gate
 * for `actorId`, or the percentage-of-time gate (`random() < percentage / 100`). Absent flags are off.
 */
export function isEnabled(
  flag: string,
  gates: FlagGates | null,
  actorId?: string,
  random: () => number = Math.random,
): boolean {
  if (gates === null) return false;
  if (gates.boolean === true) return true;
  if (actorId !== undefined) {
    if (gates.actors.includes(actorId)) return true;
    if (gates.percentageOfActors !== null && isInPercentageOfActors(flag, actorId, gates.percentageOfActors)) {
      return true;
    }
  }
  // random() is drawn only when the gate is set, so callers with a seeded source get reproducible sequences.
  return gates.percentageOfTime !== null && random() < gates.percentageOfTime / 100;
}
