// Lists every flag change of a rollout with the gates before and after it, per environment, from the status's steps.
//
// The status records what each step changed but not the whole gates around it, so they are replayed with the one rule
// of how a change applies (applyChangeToGates), starting from the gates before the rollout where the status tells
// them (the rollback records what it restored). A step that carries the gates itself (`previous` and `current`, as
// the flag store returns them) is taken as it is.
import type { Environment } from '../flags/environments';
import { applyChangeToGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import type { RolloutStatus, StepRecord } from '../workflows/rollout-status';
import type { ReportFlagChange } from './rollout-report';

type Gates = FlagGates | null;

/** The change a step made to the flag, or null when the step changed nothing. */
export function changeOfStep(step: StepRecord, rampType: 'actors' | 'random'): FlagChange | null {
  if (!step.environment) return null;
  switch (step.stage) {
    case 'non-production':
    case 'global':
      return { kind: 'boolean', value: true };
    case 'production-actors':
      return step.actors?.length ? { kind: 'actors', actors: step.actors } : null;
    case 'ramp':
      return typeof step.percentage === 'number'
        ? { kind: 'percentage', gate: rampType === 'actors' ? 'percentageOfActors' : 'percentageOfTime', value: step.percentage }
        : null;
    case 'rollback':
      // "restored previous gates" carries the gates it restored; "nothing to restore" changed nothing.
      return 'gates' in step && step.gates !== undefined && step.action.startsWith('restored') ? { kind: 'restore', gates: step.gates } : null;
    default:
      return null;
  }
}

/** The gates of each environment before the rollout's first change there, where the status tells them (after a rollback). */
export function gatesBeforeRollout(status: RolloutStatus): Map<Environment, Gates> {
  const before = new Map<Environment, Gates>();
  for (const change of status.overwritten ?? []) if (!before.has(change.environment)) before.set(change.environment, change.restored);
  for (const step of status.steps) {
    if (step.stage === 'rollback' && step.environment && step.gates !== undefined && !before.has(step.environment)) before.set(step.environment, step.gates);
  }
  return before;
}

export function buildFlagChanges(status: RolloutStatus): ReportFlagChange[] {
  const known = gatesBeforeRollout(status);
  const foundByRollback = new Map((status.overwritten ?? []).map((o) => [o.environment, o.found] as const));
  const changes: ReportFlagChange[] = [];
  for (const step of status.steps) {
    const change = changeOfStep(step, status.plan.ramp.type);
    if (change === null || !step.environment) continue;
    const environment = step.environment;
    const recorded = recordedGates(step);
    let before: Gates | undefined = recorded ? recorded.previous : known.get(environment);
    // The rollback overwrote a hand-made change: what it found is the true "before" of the restore.
    if (!recorded && change.kind === 'restore' && foundByRollback.has(environment)) before = foundByRollback.get(environment);
    const after: Gates | undefined = recorded ? recorded.current : change.kind === 'restore' ? change.gates : before === undefined ? undefined : applyChangeToGates(before, change);
    if (after === undefined) known.delete(environment);
    else known.set(environment, after);
    changes.push({
      at: step.at,
      stage: step.stage,
      environment,
      action: step.action,
      change,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    });
  }
  return changes;
}

/** The gates before and after a forward change, when its step records them (`before`, `gates`: steps since they were kept). */
function recordedGates(step: StepRecord): { previous: Gates; current: Gates } | null {
  if (step.stage === 'rollback') return null;
  return isGates(step.before) && isGates(step.gates) ? { previous: step.before, current: step.gates } : null;
}

function isGates(value: unknown): value is Gates {
  if (value === null) return true;
  if (typeof value !== 'object' || value === undefined) return false;
  const g = value as Partial<FlagGates>;
  return Array.isArray(g.actors) && 'boolean' in g && 'percentageOfActors' in g && 'percentageOfTime' in g;
}
