// One line per flag state for people: `not set`, `off`, or the open gates (`on`, `25 % of actors`, `actors: …`, `groups: …`).
import type { FlagGates } from '../flags/flag-gates';

export function gatesText(gates: FlagGates | null): string {
  if (gates === null) return 'not set';
  const parts: string[] = [];
  if (gates.boolean === true) parts.push('on');
  if (gates.percentageOfActors !== null) parts.push(`${gates.percentageOfActors} % of actors`);
  if (gates.percentageOfTime !== null) parts.push(`${gates.percentageOfTime} % of time`);
  if (gates.actors.length > 0) parts.push(`actors: ${gates.actors.join(', ')}`);
  if (gates.groups.length > 0) parts.push(`groups: ${gates.groups.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'off';
}
