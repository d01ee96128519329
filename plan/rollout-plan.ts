// The validated shape of a rollout plan, as the workflow receives it (durations stay as written, e.g. "15m").
import type { StringValue } from 'ms';
import type { Environment } from '../flags/environments';
import type { ChangeWindow } from '../change-control/change-window';
import type { GateName } from '../workflows/rollout-status';
import type { ReadinessItem } from './readiness-items';

export type RampType = 'actors' | 'random';

/** A duration as accepted by Temporal and the `ms` package: "15m", "24h", "7d", "90s", "500ms". */
export type DurationText = StringValue;

/** How long flag writes ride out an unreachable flag store when a plan does not say (and for plans from before the field). */
export const DEFAULT_OUTAGE_TOLERANCE: DurationText = '10m';

/** The most ramp steps a plan may have. */
export const MAX_RAMP_STEPS = 100;

export interface ProductionActors {
  project: string[];
  group: string[];
  user: string[];
}

export interface GuardPlan {
  /** Most Snowplow events per UTC day; more rolls the rollout back. */
  budgetPerDay: number;
  /** How often the guard reads during verification (and while waiting for enough traffic to judge). */
  interval: DurationText;
  /** Fewest events in the measuring window for a projection; below it the reading is inconclusive. */
  minSample: number;
  /** How long an inconclusive guard waits for traffic before asking people (gate `volume-review`). */
  inconclusiveWait: DurationText;
  /** When the projection at the next step is over budget: hold and ask (gate `volume-review`), or roll back. */
  onProjectedBreach: 'hold' | 'rollback';
}

/**
 * How decisions are authenticated. `required`: every approve, reject, abort, pause and resume must carry an Ed25519
 * signature by the sender's key in `keys`; `keyless`: names are taken on trust (the honour system), only when a plan
 * says so.
 */
export type SigningMode = 'required' | 'keyless';

export interface SigningPlan {
  mode: SigningMode;
  /** Public key per username (`ed25519:<base64>`); public keys are no secret, so they may live in history. */
  keys: Record<string, string>;
}

/** What one gate needs besides the defaults. */
export interface GatePlan {
  /** How many distinct approvers must approve (default 1). */
  approvals: number;
}

/** The most approvals a plan may require on one gate. */
export const MAX_GATE_APPROVALS = 10;

/** Where the change must be deployed (GitLab Deployments) before the rollout touches non-production and production. */
export interface DeploymentPlan {
  /** GitLab project path or id whose deployments count, e.g. `gitlab-org/gitlab`. */
  project: string;
  /** Full SHA of the change's merge commit. */
  commit: string;
  /** GitLab environment names checked before the non-production stage, and before the first production change. */
  environments: { nonProduction: string[]; production: string[] };
  /** How often to look again. */
  interval: DurationText;
  /** How long to wait before asking at gate `deployment` (approve: go on anyway; reject: roll back). */
  timeout: DurationText;
}

/** The release part of the rollout issue: the flag-removal merge request, where it must be deployed, how long to wait. */
export interface CleanupPlan {
  /** `group/project!123`; may instead be sent later with `rollout cleanup <flag> --mr …`. */
  mr?: string;
  /** GitLab environments the merge request's merge commit must reach before the flag is deleted. */
  environments: string[];
  interval: DurationText;
  /** How long to wait for the merge request and its deployment before the rollout completes without cleanup. */
  timeout: DurationText;
}

/** Gates a plan may configure: every gate. */
export type ConfigurableGate = GateName;

/** The signing section of plans recorded before it existed: their names were taken on trust. */
export const LEGACY_SIGNING: SigningPlan = { mode: 'keyless', keys: {} };

export interface RolloutPlan {
  flag: string;
  requester: string;
  approvers: string[];
  /** People who may abort the rollout besides the requester and the approvers (e.g. the on-call SRE). */
  operators: string[];
  environments: Environment[];
  production: { actors: ProductionActors };
  ramp: { type: RampType; steps: number[]; soak: DurationText };
  verification: DurationText;
  guard: GuardPlan;
  approvalTimeout: DurationText;
  /** How long a flag write keeps retrying an unreachable flag store before the rollout rolls back. */
  outageTolerance: DurationText;
  /** Checklist items the `global-readiness` approval must confirm. */
  readiness: ReadinessItem[];
  signing: SigningPlan;
  /** Per-gate requirements, e.g. `{ "production-qa": { approvals: 2 } }`; gates left out need one approval. */
  gates: Partial<Record<ConfigurableGate, GatePlan>>;
  /** When production changes may happen; absent: at any time (a freeze still holds them). */
  changeWindow?: ChangeWindow;
  /** The change's merge commit and where it must be deployed before each part of the rollout; absent: not checked. */
  deployment?: DeploymentPlan;
  /** After verification: wait for the flag-removal MR to be deployed everywhere, then delete the flag (own gate); absent: no cleanup. */
  cleanup?: CleanupPlan;
  /** GitLab issues (`group/project#123`: the rollout issue, the feature issue) that get the rollout's announcements as notes. */
  announce?: { issues: string[] };
  /** A group of rollouts of which only one may run at a time (e.g. `snowplow-routing`); the others wait their turn. */
  exclusive?: string;
}
