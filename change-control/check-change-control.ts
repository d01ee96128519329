// The check before every production change: inside the plan's change window, and no freeze or incident active.
import { windowVerdict, type ChangeWindow } from './change-window';
import type { FreezeSource } from './freeze-source';

export interface ChangeControlRequest {
  window: ChangeWindow | null;
  /** Workflow time of the check (ISO 8601): the window is judged at the rollout's clock, not the worker's. */
  at: string;
}

/** What holds a production change back, and until when it is worth checking again (null: unknown, re-check). */
export interface ChangeHold {
  kind: 'change-window' | 'freeze';
  reason: string;
  until: string | null;
}

export type ChangeControlVerdict = { allowed: true } | { allowed: false; hold: ChangeHold };

export async function checkChangeControl({ window, at }: ChangeControlRequest, freeze: FreezeSource): Promise<ChangeControlVerdict> {
  if (window) {
    const verdict = windowVerdict(window, new Date(at));
    if (!verdict.open) return { allowed: false, hold: { kind: 'change-window', reason: verdict.reason, until: verdict.opensAt.toISOString() } };
  }
  try {
    const state = await freeze.check();
    if (state.active) return { allowed: false, hold: { kind: 'freeze', reason: state.reason, until: state.until } };
  } catch (error) {
    // Not knowing whether production is frozen is no licence to change it.
    return { allowed: false, hold: { kind: 'freeze', reason: `freeze state unknown: ${error instanceof Error ? error.message : String(error)}`, until: null } };
  }
  return { allowed: true };
}
