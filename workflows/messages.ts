// The rollout's message contract: signal and query definitions the client imports without workflow code.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReadinessItem } from '../plan/readiness-items';
import type { RolloutStatus } from './rollout-status';

export interface Approval {
  gate: string;
  by: string;
  comment?: string;
  /** Readiness items confirmed; required for the `global-readiness` gate. */
  confirmed?: ReadinessItem[];
  /** Client-chosen id, so the sender can find its approval (or refusal) in the status. */
  id?: string;
}

export interface Rejection {
  gate: string;
  by: string;
  reason: string;
  id?: string;
}

export interface Abort {
  by: string;
  reason: string;
}

export const approve = defineSignal<[Approval]>('approve');
export const reject = defineSignal<[Rejection]>('reject');
export const abort = defineSignal<[Abort]>('abort');
export const status = defineQuery<RolloutStatus>('status');
