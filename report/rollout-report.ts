// The rollout report model: what `rollout report --format json` prints and what the Markdown and SVG renderers draw.
//
// Stable: fields are only ever added. A breaking change gets a new `schema` (`flag-rollout-report/v2`). Every time is
// ISO 8601 UTC; every text taken from the rollout (names, comments, reasons, actions) is as the rollout recorded it —
// the renderers escape it, a JSON consumer must treat it as untrusted text.
import type { Environment } from '../flags/environments';
import type { FlagChange, FlagGates } from '../flags/flag-gates';
import type { ReadinessItem } from '../plan/readiness-items';
import type { RampType } from '../plan/rollout-plan';
import type { GuardRecord, GuardVerdict } from '../volume/guard-decision';
import type { GateName, RefusedMessage, RollbackCause, RolloutState, Stage, StepRecord } from '../workflows/rollout-status';

export const ROLLOUT_REPORT_SCHEMA = 'flag-rollout-report/v1';

/** The checklist items: the stages of the rollout issue, in order (`completed` is the outcome, not an item). */
export type ChecklistStage = Exclude<Stage, 'completed'>;

/**
 * Where a checklist item stands: `done`; `in-progress` (the rollout is in it); `awaiting-approval` (its gate, or a
 * `volume-review` in it, waits for people); `stopped` (the rollout ended in it: rolled back or failed); `not-reached`.
 */
export type ChecklistItemStatus = 'done' | 'in-progress' | 'awaiting-approval' | 'stopped' | 'not-reached';

/** One thing the rollout recorded, as in the status's `steps` (without the gates around flag changes: see flagChanges). */
export type ReportStep = Pick<StepRecord, 'at' | 'stage' | 'gate' | 'action' | 'environment' | 'actors' | 'percentage' | 'by' | 'comment' | 'confirmed'>;

/** A person's decision at a gate, or a gate's deadline passing without one. */
export interface ReportDecision {
  at: string;
  gate: GateName;
  /** The stage the rollout was in (a `volume-review` is taken inside `ramp` or another stage). */
  stage: string;
  decision: 'approved' | 'rejected' | 'deadline-passed';
  by?: string;
  /** The approval's comment or the rejection's reason. */
  comment?: string;
  /** Readiness items the approval confirmed (global-readiness). */
  confirmed?: ReadinessItem[];
}

/** One item of the global-readiness checklist. */
export interface ReportReadinessItem {
  item: ReadinessItem;
  /** The item's wording, as in the rollout issue. */
  text: string;
  /** True when the plan requires it. */
  required: boolean;
  confirmed: boolean;
  confirmedBy?: string;
  confirmedAt?: string;
}

/** One planned ramp step and when it was set. */
export interface ReportRampStep {
  percentage: number;
  setAt: string | null;
}

export interface ReportChecklistItem {
  stage: ChecklistStage;
  /** The rollout issue's section the item belongs to. */
  section: string;
  /** The item, worded as in the rollout issue. */
  title: string;
  status: ChecklistItemStatus;
  /** When the item was done (its last step), or null. */
  doneAt: string | null;
  /** The ChatOps command the item replaces, when it changes the flag (null for gates and waits). */
  command: string | null;
  /** The gate the item waits for, when it is a gate. */
  gate: GateName | null;
  /** Every decision taken in this stage (its own gate, and `volume-review` gates opened in it). */
  decisions: ReportDecision[];
  /** Every step the rollout recorded in this stage. */
  steps: ReportStep[];
  /** global-readiness only: the readiness checklist. */
  readiness?: ReportReadinessItem[];
  /** ramp only: the planned steps and when each was set. */
  rampSteps?: ReportRampStep[];
}

/** The production percentage the rollout set, and when (the global enable counts as 100). */
export interface ReportPercentageStep {
  at: string;
  percentage: number;
  stage: 'ramp' | 'global';
}

/**
 * One change the rollout made to the flag in one environment. `before`/`after` are the whole gates around it (null: the
 * flag did not exist there); they are absent when the status does not tell them — the gates before a rollout's
 * first change in an environment are only recorded when it rolls back.
 */
export interface ReportFlagChange {
  at: string;
  stage: Stage | 'rollback';
  environment: Environment;
  /** What the step recorded. */
  action: string;
  /** The change in `feature set` terms (`restore` for the rollback). */
  change: FlagChange;
  before?: FlagGates | null;
  after?: FlagGates | null;
}

/** A hand-made change the rollback overwrote (from the status's `overwritten`). */
export interface ReportOverwritten {
  at: string;
  environment: Environment;
  /** The gates the rollout had last written. */
  expected: FlagGates | null;
  /** The gates the rollback found and overwrote. */
  found: FlagGates | null;
  /** The gates it restored: those from before the rollout. */
  restored: FlagGates | null;
}

export interface ReportGuard {
  budgetPerDay: number;
  /** Checks the guard made in all (every run). */
  checks: number;
  /** Checks the status still holds (the most recent, at most 50); the figures below are over these. */
  kept: number;
  /** How many of the kept checks had each verdict. */
  verdicts: Record<GuardVerdict | 'unreadable', number>;
  /** The kept check with the highest projection (events/day), or null when none projected. */
  highestProjection: { at: string; projection: number; percentage: number; nextPercentage: number | null; verdict: GuardVerdict } | null;
  /** The highest daily count a kept check read, or null. */
  highestDailyCount: { at: string; day: string; count: number } | null;
  /** The guard decision that stopped the rollout (guard-breach or projected-breach), or null. */
  stoppedBy: GuardRecord | null;
  /** The latest check, or null. */
  last: GuardRecord | null;
}

export interface ReportOutcome {
  /** `completed`, `rolled-back` or `failed` (a restore could not be done). */
  state: Extract<RolloutState, 'completed' | 'rolled-back' | 'failed'> | 'rolling-back';
  cause: RollbackCause | null;
  reason: string;
  by: string | null;
  at: string;
  /** Rollback: the gates restored per environment, newest change first (absent until restored). */
  restored: { at: string; environment: Environment; gates: FlagGates | null; action: string }[];
  overwritten: ReportOverwritten[];
}

/** Snowplow events sent behind the flag per minute over the rollout, and the budget line. */
export interface ReportVolume {
  /** False when the series could not be read (`unavailableReason` says why); counts are empty then. */
  available: boolean;
  unavailableReason: string | null;
  /** Start of the first minute (the rollout's start) and of the last (its end, or when the report was made). */
  firstMinute: string;
  lastMinute: string;
  /** One count per minute from `firstMinute`, zeros included. */
  counts: number[];
  total: number;
  peak: { minute: string; count: number } | null;
  budgetPerDay: number;
  /** budgetPerDay / 1440: the daily budget spread evenly over the minutes of a day (the chart's budget line). */
  budgetPerMinute: number;
}

export interface ReportPlanSummary {
  environments: Environment[];
  productionActors: string[];
  rampType: RampType;
  rampSteps: number[];
  soak: string;
  verification: string;
  guardInterval: string;
  approvalTimeout: string;
  readiness: ReadinessItem[];
}

export interface RolloutReport {
  schema: typeof ROLLOUT_REPORT_SCHEMA;
  generatedAt: string;
  flag: string;
  workflowId: string;
  /** Which run of the workflow answered (1 = the first; continue-as-new starts the next). */
  run: number;
  requester: string;
  approvers: string[];
  operators: string[];
  state: RolloutState;
  stage: Stage;
  startedAt: string;
  endedAt: string | null;
  /** The gate waiting for people, with why and until when, or null. */
  pendingGate: { gate: GateName; reason: string | null; deadline: string | null } | null;
  /** Set while the rollout is paused (statuses that know pauses). */
  paused: { by: string; reason: string; at: string } | null;
  plan: ReportPlanSummary;
  checklist: ReportChecklistItem[];
  percentageSteps: ReportPercentageStep[];
  decisions: ReportDecision[];
  flagChanges: ReportFlagChange[];
  guard: ReportGuard;
  /** Null while the rollout runs. */
  outcome: ReportOutcome | null;
  refused: { count: number; recent: RefusedMessage[] };
  volume: ReportVolume;
}
