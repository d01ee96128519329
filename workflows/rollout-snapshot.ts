// The whole state of a running rollout as plain data: what a run hands to the next one when it continues-as-new.
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import type { RolloutPlan } from '../plan/rollout-plan';
import type { GuardRecord } from '../volume/guard-decision';
import type { AbortRequest, Approval, Rejection } from './message-schemas';
import type { ChangeHold } from '../change-control/check-change-control';
import type { RolloutNotice } from '../notify/rollout-notice';
import type { DeploymentStatus, GateName, RolloutStatus } from './rollout-status';

export type GateDecision = { kind: 'approved'; approval: Approval } | { kind: 'rejected'; rejection: Rejection };

export interface PendingGate {
  name: GateName;
  /** When the gate rolls back without a decision (epoch ms); kept as first set across continue-as-new. */
  deadline: number;
  reason: string | null;
  decision: GateDecision | null;
  /** Approvals so far of a gate that needs several (absent in runs from before). */
  approvals?: { approval: Approval; at: number }[];
  /** When the gate opened (epoch ms), moved forward like the deadline by a pause; reminders count from here. */
  opened?: number;
  /** How many deadline reminders were sent. */
  reminded?: number;
}

/** A pause under way: who, why, since when (epoch ms). */
export interface PauseState {
  by: string;
  reason: string;
  at: number;
}

/** One environment the rollout changed: what to restore there, and what the rollout last wrote (to spot hand-made changes). */
export interface TouchedEnvironment {
  environment: Environment;
  /** The id of the rollout's first change here; its store record is the idempotency key and a cross-check. */
  firstChangeId: string;
  /** The gates before the rollout's first change, as the store returned them (valid when `beforeKnown`). */
  before: FlagGates | null;
  beforeKnown: boolean;
  /** The gates after the rollout's latest change, as the store returned them (valid when `writtenKnown`). */
  written: FlagGates | null;
  writtenKnown: boolean;
}

export interface GuardState {
  /** True once production is touched: from then on the guard checks every interval, in every wait. */
  watching: boolean;
  checks: number;
  decisions: GuardRecord[];
  /** Epoch ms of the first failed reading since the last good one, or null. */
  unreadableSince: number | null;
  /** Epoch ms of the next check while watching, or null. */
  nextCheckAt: number | null;
  /** Epoch ms of the last approved volume-review, or null. */
  reviewedAt: number | null;
}

/** The state a run hands to the next: the status fields that change, plus what the status derives them from. */
export interface RolloutSnapshot
  extends Pick<RolloutStatus, 'stage' | 'state' | 'percentage' | 'steps' | 'refused' | 'refusedCount' | 'overwritten' | 'outcome' | 'startedAt' | 'endedAt' | 'run'> {
  gate: PendingGate | null;
  abort: AbortRequest | null;
  guard: GuardState;
  /** What the UI's "current details" say (set again when a run resumes). */
  details: string;
  /** Ids of the forward steps already done (a resumed run skips them). */
  done: string[];
  /** Absolute ends of the waits under way (soak, inconclusive wait, verification), by step id, in epoch ms. */
  deadlines: Record<string, number>;
  flags: { changeIdPrefix: string; sequence: number; touched: TouchedEnvironment[] };
  /** Set while paused (absent in runs from before pause existed). */
  pause?: PauseState | null;
  /** Nonces of signed messages seen within the signature window, with their signing time (epoch ms). */
  nonces?: { nonce: string; at: number }[];
  /** The flag-removal merge request sent with `cleanup` (absent until then). */
  cleanupMr?: string | null;
  /** The latest check that the plan's merge commit is deployed (absent without one). */
  deployment?: DeploymentStatus | null;
  /** The plan's exclusive group: whether this rollout holds it, and which rollouts it waits for (absent without one). */
  exclusive?: { holds: boolean; waitingFor: string[] };
  /** What holds the next production change back (change window or freeze), since when (absent in runs from before). */
  hold?: (ChangeHold & { since: number }) | null;
  /** Notifications: how many were made (their id's sequence), and those not yet handed to the notify activity. */
  notices?: { sequence: number; outbox: RolloutNotice[] };
}

/** The workflow's input: the validated plan (no secrets: it is stored in history), and the state to resume from. */
export interface RolloutInput {
  plan: RolloutPlan;
  /** Set when a run continues-as-new: the state it handed over. */
  resume?: RolloutSnapshot;
}
