// Every rollout state at run time, for validating `--state` (the type RolloutState in workflows/rollout-status.ts rules).
import type { RolloutState } from '../workflows/rollout-status';

/** Keyed by RolloutState, so the compiler fails here when a state is added or renamed there. */
const STATE_SET: Record<RolloutState, true> = {
  running: true,
  'awaiting-approval': true,
  'rolling-back': true,
  'rolled-back': true,
  completed: true,
  failed: true,
};

export const ROLLOUT_STATES = Object.keys(STATE_SET) as RolloutState[];

export function isRolloutState(value: unknown): value is RolloutState {
  return typeof value === 'string' && Object.hasOwn(STATE_SET, value);
}
