// The rollout's observable state: stages, gates, step records and the status the `status` query returns.
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import type { RolloutPlan } from '../plan/rollout-plan';
import type { ReadinessItem } from '../plan/readiness-items';
import type { GuardDecision } from '../volume/guard-decision';

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

export const GATES = ['staging-qa', 'production-qa', 'global-readiness', 'volume-review'] as const;
export type GateName = (typeof GATES)[number];

export type RolloutState = 'running' | 'awaiting-approval' | 'rolling-back' | 'rolled-back' | 'completed' | 'failed';

/** Why a rollout rolled back. */
export type RollbackCause =
  | 'rejected'
  | 'gate-deadline'
  | 'aborted'
  | 'cancelled'
  | 'guard-breach'
  | 'projected-breach'
  | 'activity-failed';

/** One thing the rollout did, in order; `at` is workflow time (ISO 8601). */
export interface StepRecord {
  at: string;
  stage: Stage | 'rollback';
  /** The gate a decision step belongs to. */
  gate?: GateName;
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

/** How many guard decisions the status keeps (the history has every one, as activity results). */
export const GUARD_DECISIONS_KEPT = 50;

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
  /** Why the pending gate is open (for `volume-review`: what the guard saw), or null. */
  pendingGateReason: string | null;
  /** When the pending gate rolls back if nobody decides (ISO 8601), or null. */
  gateDeadline: string | null;
  /** The production percentage currently set by the ramp (0 before the ramp). */
  percentage: number;
  /** The guard's latest decision (reading, projection, threshold, verdict), or null before the first. */
  lastVolume: GuardDecision | null;
  /** The guard's recent decisions, oldest first, and how many it made in all. */
  guard: { checks: number; decisions: GuardDecision[] };
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
