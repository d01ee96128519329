// The volume guard's rule: from one reading, decide whether the rollout may go on, must stop, or cannot tell yet.
import type { VolumeReading } from './volume-reader';

export type GuardVerdict = 'within-budget' | 'over-budget' | 'projected-over-budget' | 'inconclusive';

export interface GuardContext {
  budgetPerDay: number;
  minSample: number;
  /** The production percentage the traffic was measured at. */
  percentage: number;
  /** The percentage the rollout would go to next; null when no step follows (watching, verification). */
  nextPercentage: number | null;
  /**
   * Also test the full day at the current rate (`rate × 86,400`) against the budget, so a day boundary (today's
   * count restarts at 00:00 UTC) cannot hide a breach. Off only for rollouts recorded before this rule existed.
   */
  projectCurrentRate: boolean;
}

/** One guard decision, kept in the workflow state: what was read, what was projected, against what, and the verdict. */
export interface GuardDecision {
  at: string;
  query: string;
  day: string;
  count: number;
  key: string;
  rollingAverage: number | null;
  windowSeconds: number;
  windowCount: number;
  ratePerSecond: number;
  percentage: number;
  nextPercentage: number | null;
  /** Projected events per day at `nextPercentage` (at `percentage` when no step follows); null when inconclusive. */
  projection: number | null;
  budgetPerDay: number;
  verdict: GuardVerdict;
  reason: string;
}

/** A guard check whose reading failed (e.g. Redis unreachable): it decides nothing by itself. */
export interface UnreadableCheck {
  at: string;
  verdict: 'unreadable';
  percentage: number;
  nextPercentage: number | null;
  budgetPerDay: number;
  reason: string;
}

/** What the status keeps per guard check. */
export type GuardRecord = GuardDecision | UnreadableCheck;

export const SECONDS_PER_DAY = 86_400;

export function decideGuard(reading: VolumeReading, context: GuardContext): GuardDecision {
  const { budgetPerDay, minSample, percentage, nextPercentage } = context;
  const ratePerSecond = reading.windowCount / reading.windowSeconds;
  const enoughSample = reading.windowCount >= minSample;
  const base = {
    at: reading.at,
    query: `GET ${reading.key}; MGET ${reading.windowSeconds} per-second buckets; MGET 7 previous days`,
    day: reading.day,
    count: reading.count,
    key: reading.key,
    rollingAverage: reading.rollingAverage,
    windowSeconds: reading.windowSeconds,
    windowCount: reading.windowCount,
    ratePerSecond,
    percentage,
    nextPercentage,
    budgetPerDay,
  };
  if (reading.count > budgetPerDay) {
    return { ...base, projection: null, verdict: 'over-budget', reason: `${reading.count} events on ${reading.day} exceed the budget of ${budgetPerDay}/day` };
  }
  const fullDay = Math.round(ratePerSecond * SECONDS_PER_DAY);
  if (context.projectCurrentRate && enoughSample && fullDay > budgetPerDay) {
    return {
      ...base,
      projection: fullDay,
      verdict: 'over-budget',
      reason: `at the current rate (${ratePerSecond.toFixed(2)}/s at ${percentage}%) a full day is about ${fullDay} events, over the budget of ${budgetPerDay}/day`,
    };
  }
  if (nextPercentage === null) {
    // Watching (soak, gate, verification): today's count and the full day at the current rate decide; both passed.
    const projected = enoughSample ? `; about ${fullDay}/day at the current rate` : `; too few events in the last ${reading.windowSeconds}s to project`;
    return { ...base, projection: fullDay, verdict: 'within-budget', reason: `${reading.count} of ${budgetPerDay} events so far on ${reading.day}${projected}` };
  }
  if (!enoughSample || percentage <= 0) {
    return {
      ...base,
      projection: null,
      verdict: 'inconclusive',
      reason: `${reading.windowCount} events in the last ${reading.windowSeconds}s; at least ${minSample} are needed to project`,
    };
  }
  const projection = Math.round(ratePerSecond * SECONDS_PER_DAY * (nextPercentage / percentage));
  if (projection > budgetPerDay) {
    return {
      ...base,
      projection,
      verdict: 'projected-over-budget',
      reason: `at ${nextPercentage}% the flag would send about ${projection} events/day (now ${ratePerSecond.toFixed(2)}/s at ${percentage}%), over the budget of ${budgetPerDay}`,
    };
  }
  return {
    ...base,
    projection,
    verdict: 'within-budget',
    reason: `at ${nextPercentage}% about ${projection} events/day, within the budget of ${budgetPerDay}`,
  };
}
