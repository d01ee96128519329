// What a store keeps per change id, so a retried change is recognised and returns its first result.
import type { Environment } from './environments';
import { gateGroups, normalizeGates, type FlagChange, type RecordedFlagGates } from './flag-gates';
import type { AppliedChange } from './flag-store';
import { InvalidFlagInput } from './invalid-flag-input';

export interface ChangeRecord extends AppliedChange {
  flag: string;
  env: Environment;
  /** The change as canonical JSON: a reused id with a different change is a bug, not a retry. */
  change: string;
}

/** Canonical JSON of a change (fixed key order), for comparing a retry with the recorded change. */
export function changeFingerprint(change: FlagChange): string {
  switch (change.kind) {
    case 'boolean':
      return JSON.stringify({ kind: change.kind, value: change.value });
    case 'actors':
    case 'remove-actors':
      return JSON.stringify({ kind: change.kind, actors: [...new Set(change.actors)].sort() });
    case 'groups':
    case 'remove-groups':
      return JSON.stringify({ kind: change.kind, groups: [...new Set(change.groups)].sort() });
    case 'percentage':
      return JSON.stringify({ kind: change.kind, gate: change.gate, value: change.value });
    case 'restore':
      return JSON.stringify({ kind: change.kind, gates: change.gates === null ? null : canonicalGates(change.gates) });
  }
}

/**
 * Returns the recorded result when the retry matches the recorded change; throws InvalidFlagInput when
 * the id was used for another flag, environment or change (silently returning would skip a real step).
 */
export function replayChangeRecord(
  record: ChangeRecord,
  changeId: string,
  flag: string,
  env: Environment,
  change: FlagChange,
): AppliedChange {
  const fingerprint = changeFingerprint(change);
  if (record.flag !== flag || record.env !== env || record.change !== fingerprint) {
    throw new InvalidFlagInput(
      `Change id ${JSON.stringify(changeId)} was already used for ${record.change} on flag ${record.flag} in ${record.env}; ` +
        `it cannot be reused for ${fingerprint} on flag ${flag} in ${env}: give every change its own id`,
    );
  }
  return { previous: record.previous, current: record.current };
}

/** Parses a stored record, failing loudly on anything a store did not write. */
export function parseChangeRecord(text: string, where: string): ChangeRecord {
  const value: unknown = JSON.parse(text);
  const record = value as Partial<ChangeRecord> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.flag !== 'string' ||
    typeof record.env !== 'string' ||
    typeof record.change !== 'string' ||
    record.previous === undefined ||
    record.current === undefined
  ) {
    throw new Error(`${where} does not hold a change record: ${text.slice(0, 200)}`);
  }
  // Records written before the group gate existed hold gates without `groups`: give them today's shape.
  const gates = (value: unknown) => (value === null ? null : normalizeGates(value as RecordedFlagGates));
  return { ...(record as ChangeRecord), previous: gates(record.previous), current: gates(record.current) };
}

// `groups` appears only when there are group gates, so a restore retried across the upgrade that added the group
// gate has the fingerprint its first attempt recorded.
function canonicalGates(gates: RecordedFlagGates): RecordedFlagGates {
  const groups = [...gateGroups(gates)].sort();
  return {
    boolean: gates.boolean,
    actors: [...gates.actors].sort(),
    ...(groups.length > 0 ? { groups } : {}),
    percentageOfActors: gates.percentageOfActors,
    percentageOfTime: gates.percentageOfTime,
  };
}
