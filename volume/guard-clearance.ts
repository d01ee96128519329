// What clearing the next ramp step does with a guard verdict: go on, read again, roll back, or ask people at volume-review.
import type { GuardPlan } from '../plan/rollout-plan';
import type { GuardRecord } from './guard-decision';

export type Clearance = 'go-on' | 'read-again' | 'roll-back' | 'ask';

/**
 * Within budget goes on; a projected breach rolls back or asks at `volume-review` (the plan's `onProjectedBreach`);
 * inconclusive and unreadable read again while `inconclusiveWait` has time left (`canWaitLonger`), then ask. An
 * over-budget verdict rolls back (the check itself has already stopped the rollout).
 */
export function clearanceAfter(verdict: GuardRecord['verdict'], onProjectedBreach: GuardPlan['onProjectedBreach'], canWaitLonger: boolean): Clearance {
  switch (verdict) {
    case 'within-budget':
      return 'go-on';
    case 'over-budget':
      return 'roll-back';
    case 'projected-over-budget':
      return onProjectedBreach === 'rollback' ? 'roll-back' : 'ask';
    case 'inconclusive':
    case 'unreadable':
      return canWaitLonger ? 'read-again' : 'ask';
  }
}
