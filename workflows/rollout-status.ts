// The rollout's observable state: stages, gates, step records and the status the `status` query returns.
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import type { RolloutPlan } from '../plan/rollout-plan';
import type { ReadinessItem } from '../plan/readiness-items';
import type { GuardRecord } from '../volume/guard-decision';

export const STAGES = [
  'non-production',
  'staging-qa',
  'production-actors',
  'production-qa',
  'global-readiness',
  'ramp',
  'global',
  'verification',
  'cleanup',
  'completed',
] as const;
export type Stage = (typeof STAGES)[number];

export const GATES = ['staging-qa', 'production-qa', 'global-readiness', 'volume-review', 'deployment', 'cleanup'] as const;
export type GateName = (typeof GATES)[number];

export const ROLLOUT_STATES = ['running', 'awaiting-approval', 'rolling-back', 'rolled-back', 'completed', 'failed'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** States in which a rollout has ended. */
export const FINAL_STATES: readonly RolloutState[] = ['completed', 'rolled-back', 'failed'];

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
  /** A flag change's gates before it (absent in steps recorded before this was kept). */
  before?: FlagGates | null;
  /** A flag change's (or restore's) gates after it. */
  gates?: FlagGates | null;
  /** The id of the approve/reject message this step answers, when the sender gave one. */
  messageId?: string;
}

/** A message the workflow received but did not act on, with the reason; names and gates are cut to a sane length. */
export interface RefusedMessage {
  at: string;
  /** approve, reject, abort, or the unknown name that was sent (cut). */
  signal: string;
  gate?: string;
  by?: string;
  reason: string;
  id?: string;
}

/** How many refused messages the status keeps (`refusedCount` counts them all). */
export const REFUSALS_KEPT = 50;

/** How many guard decisions the status keeps (the history has every one). */
export const GUARD_DECISIONS_KEPT = 50;

/** A flag change someone made by hand during the rollout, which the rollback overwrote to restore the state before it. */
export interface OverwrittenChange {
  at: string;
  environment: Environment;
  /** The gates the rollout had last written. */
  expected: FlagGates | null;
  /** The gates the rollback found (and overwrote). */
  found: FlagGates | null;
  /** The gates the rollback restored: those from before the rollout. */
  restored: FlagGates | null;
}

export interface RolloutOutcome {
  cause?: RollbackCause;
  reason: string;
  by?: string;
  at: string;
}

export interface GuardStatus {
  /** How many checks the guard made in all (every run). */
  checks: number;
  /** The recent checks, oldest first. */
  decisions: GuardRecord[];
  /** Since when every reading failed (ISO 8601), or null while readings succeed. */
  unreadableSince: string | null;
  /** When the guard reads next while watching (ISO 8601), or null when it is not watching. */
  nextCheckAt: string | null;
}

/** Who paused the rollout, when and why; the soak, verification and gate clocks stand still meanwhile. */
export interface PauseStatus {
  by: string;
  reason: string;
  at: string;
}

/** Where the plan's merge commit stands in the environments a stage touches. */
export interface DeploymentStatus {
  phase: 'non-production' | 'production' | 'cleanup';
  commit: string;
  checkedAt: string;
  deployed: boolean;
  /** Per GitLab environment: deployed or not, and the SHA its latest successful deployment runs. */
  environments: { environment: string; deployed: boolean; sha: string | null }[];
  /** Why the check could not tell (GitLab unreachable, not configured), when it could not. */
  problem?: string;
}

/** A production change held back by the change window or a freeze. */
export interface HoldStatus {
  kind: 'change-window' | 'freeze';
  reason: string;
  since: string;
  /** When the window opens or the freeze is announced to end; null when unknown (it is checked again every few minutes). */
  until: string | null;
}

/** The approvals a gate that needs more than one has collected. */
export interface GateApprovals {
  required: number;
  /** Who has approved so far, in order. */
  approvedBy: string[];
  /** Approvers who have not approved yet (the requester never may). */
  mayStillApprove: string[];
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
  /** The pending gate's approvals so far (absent in statuses recorded before gates could need several). */
  pendingGateApprovals?: GateApprovals | null;
  /** Set while the rollout is paused (absent in statuses recorded before pause existed). */
  paused?: PauseStatus | null;
  /** Set while a change window or a freeze holds the next production change: why, since when, until when (if known). */
  held?: HoldStatus | null;
  /** The last check that the plan's merge commit is deployed, before non-production or production (absent without one). */
  deployment?: DeploymentStatus | null;
  /** The flag-removal merge request the cleanup stage waits for, once named (plan or `rollout cleanup`). */
  cleanupMr?: string | null;
  /** The plan's exclusive group: whether this rollout holds it, or which running rollouts it waits for; null without one. */
  exclusive?: { group: string; holds: boolean; waitingFor: string[] } | null;
  /** The production percentage currently set by the ramp (0 before the ramp). */
  percentage: number;
  /** The guard's latest check (reading, projection, threshold, verdict), or null before the first. */
  lastVolume: GuardRecord | null;
  guard: GuardStatus;
  steps: StepRecord[];
  /** The last REFUSALS_KEPT refused messages, oldest first. */
  refused: RefusedMessage[];
  refusedCount: number;
  /** Hand-made changes the rollback overwrote. */
  overwritten: OverwrittenChange[];
  /** Set once the rollout ends (completed, rolled back or failed). */
  outcome: RolloutOutcome | null;
  startedAt: string;
  endedAt: string | null;
  /** Which run of the rollout answers (1 = the first; each continue-as-new starts the next). */
  run: number;
  plan: RolloutPlan;
}

export function rolloutWorkflowId(flag: string): string {
  return `rollout-${flag}`;
}
