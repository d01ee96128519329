// The validated shape of a rollout plan, as the workflow receives it (durations stay as written, e.g. "15m").
import type { StringValue } from 'ms';
import type { Environment } from '../flags/environments';
import type { ReadinessItem } from './readiness-items';

export type RampType = 'actors' | 'random';

/** A duration as accepted by Temporal and the `ms` package: "15m", "24h", "7d", "90s", "500ms". */
export type DurationText = StringValue;

export interface ProductionActors {
  project: string[];
  group: string[];
  user: string[];
}

export interface RolloutPlan {
  flag: string;
  requester: string;
  approvers: string[];
  environments: Environment[];
  production: { actors: ProductionActors };
  ramp: { type: RampType; steps: number[]; soak: DurationText };
  verification: DurationText;
  guard: { budgetPerDay: number; interval: DurationText };
  approvalTimeout: DurationText;
  /** Checklist items the `global-readiness` approval must confirm. */
  readiness: ReadinessItem[];
}
