// The rollout's observable state: stages, gates, step records and the status the `status` query returns.
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import type { RolloutPlan } from '../plan/rollout-plan';
import type { ReadinessItem } from '../plan/readiness-items';

export const STAGES = [
  'non-production',
  'staging-qa',
  'production-actors',
  'production-qa',
  'global-readiness',
  'ramp',
  'global',
  'verification',
  'completed',
] as const;
export type Stage = (typeof STAGES)[number];

export const GATES = ['staging-qa', 'production-qa', 'global-readiness'] as const;
export type GateName = (typeof GATES)[number];

export type RolloutState = 'running' | 'awaiting-approval' | 'rolling-back' | 'rolled-back' | 'completed' | 'failed';

/** Why a rollout rolled back. */
export type RollbackCause = 'rejected' | 'gate-deadline' | 'aborted' | 'cancelled' | 'guard-breach' | 'activity-failed';

/** One thing the rollout did, in order; `at` is workflow time (ISO 8601). */
export interface StepRecord {
  at: string;
  stage: Stage | 'rollback';
  action: string;
  environment?: Environment;
  actors?: string[];
  percentage?: number;
  by?: string;
  comment?: string;
  confirmed?: ReadinessItem[];
  gates?: FlagGates | null;
  /** The id of the approve/reject message this step answers, when the sender gave one. */
  messageId?: string;
}

/** A signal the workflow received but did not act on, with the reason. */
export interface RefusedMessage {
  at: string;
  signal: 'approve' | 'reject';
  gate: string;
  by: string;
  reason: string;
  id?: string;
}

/** One reading of the event-volume guard. */
export interface VolumeCheck {
  at: string;
  day: string;
  count: number;
  budgetPerDay: number;
  verdict: 'within-budget' | 'over-budget';
  key: string;
}

export interface RolloutOutcome {
  cause?: RollbackCause;
  reason: string;
  by?: string;
  at: string;
}

export interface RolloutStatus {
  workflowId: string;
  flag: string;
  requester: string;
  approvers: string[];
  stage: Stage;
  state: RolloutState;
  pendingGate: GateName | null;
  /** When the pending gate rolls back if nobody decides (ISO 8601), or null. */
  gateDeadline: string | null;
  /** The production percentage currently set by the ramp (0 before the ramp). */
  percentage: number;
  lastVolume: VolumeCheck | null;
  steps: StepRecord[];
  refused: RefusedMessage[];
  /** Set once the rollout ends (completed, rolled back or failed). */
  outcome: RolloutOutcome | null;
  startedAt: string;
  endedAt: string | null;
  plan: RolloutPlan;
}

/** The workflow's input: the validated plan (no secrets: it is stored in history). */
export interface RolloutInput {
  plan: RolloutPlan;
}

export function rolloutWorkflowId(flag: string): string {
  return `rollout-${flag}`;
}
