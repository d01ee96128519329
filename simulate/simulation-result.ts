// What a simulated rollout did, step by step and check by check, and how it ended.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { Clearance } from '../volume/guard-clearance';
import type { GuardDecision } from '../volume/guard-decision';
import type { GateName, RollbackCause, Stage, StepRecord } from '../workflows/rollout-status';
import type { SimulatedTraffic } from './simulated-traffic';

export interface SimulationOptions {
  /** When the rollout starts (epoch ms); the series' first second when left out. */
  startMs?: number;
  /** How long after a gate opens it is approved (ms); 0 (the default): as soon as it opens. */
  gateDelayMs?: number;
  /** Go on past a `volume-review` as if approved after the gate delay, instead of stopping there. */
  approveReviews?: boolean;
  /** The share of all traffic the plan's production actors carry, 0–1 (default 0). */
  actorsShare?: number;
  /** The most guard checks a simulation makes before it gives up (default MAX_SIMULATED_CHECKS). */
  maxChecks?: number;
}

/** Why a guard check was made. */
export type CheckPurpose =
  | 'watch' // every guard.interval in a wait (soak, gate, verification, waiting for traffic)
  | 'clear' // before the next ramp step (or the global enable): the projection
  | 're-read' // clearing again after an inconclusive reading
  | 'after-last-step' // after a last ramp step of 100 %
  | 'final'; // the reading that ends verification

/** A flag change, a gate decision or another step, as the workflow records it. */
export interface SimulatedStep {
  kind: 'step';
  at: number;
  step: StepRecord;
}

/** Something the rollout does that is no step of its own: a gate opening, a soak or verification starting. */
export interface SimulatedNote {
  kind: 'note';
  at: number;
  stage: Stage | 'rollback';
  text: string;
}

/** One guard check: its decision and what the rollout does because of it. */
export interface SimulatedCheck {
  kind: 'check';
  at: number;
  stage: Stage;
  purpose: CheckPurpose;
  decision: GuardDecision;
  /** What follows from it; null: nothing changes (a watch within budget). */
  then: Clearance | null;
  /** With `then: 'read-again'`: when (epoch ms). */
  readAgainAt?: number;
}

export type SimulationEntry = SimulatedStep | SimulatedNote | SimulatedCheck;

/** How the simulated rollout ended. */
export interface SimulationOutcome {
  /**
   * `completed`; `rolled-back`; `held`: it waits at `volume-review` for a person; `series-ended`: the series ends
   * before the rollout does (record a longer one, or loop it).
   */
  result: 'completed' | 'rolled-back' | 'held' | 'series-ended';
  at: number;
  stage: Stage;
  /** The production percentage set when it ended. */
  percentage: number;
  /** The percentage it was about to go to when the guard stopped or held it; null otherwise. */
  stoppedBefore: number | null;
  cause: RollbackCause | null;
  /** The outcome's reason, in the workflow's words. */
  reason: string;
  /** The guard check that stopped or held it, if one did. */
  decision: GuardDecision | null;
  /** `held`: the gate and when it would roll back without a decision (epoch ms). */
  gate: GateName | null;
  gateDeadline: number | null;
}

export interface SimulationResult {
  plan: RolloutPlan;
  /** When the simulated rollout started (epoch ms). */
  startMs: number;
  options: Required<SimulationOptions>;
  entries: SimulationEntry[];
  /** The steps as the rollout's status would record them. */
  steps: StepRecord[];
  /** Every guard decision, oldest first. */
  checks: GuardDecision[];
  /** How many times the guard asked people at `volume-review` (the simulation stops at the first unless approveReviews). */
  reviews: number;
  outcome: SimulationOutcome;
  /** The events sent behind the flag over the simulation (for the report's chart). */
  traffic: SimulatedTraffic;
}
