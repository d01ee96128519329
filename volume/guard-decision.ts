// The volume guard's rule: from one reading, decide whether the rollout may go on, must stop, or cannot tell yet.
import type { VolumeReading } from './volume-reader';

export type GuardVerdict = 'within-budget' | 'over-budget' | 'projected-over-budget' | 'inconclusive';

export interface GuardContext {
  budgetPerDay: number;
  minSample: number;
  /** The production percentage the traffic was measured at. */
  percentage: number;
  /** The percentage the rollout would go to next; null when no step follows (verification). */
  nextPercentage: number | null;
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
  /** Projected events per day at `nextPercentage` (at `percentage` in verification); null when inconclusive. */
  projection: number | null;
  budgetPerDay: number;
  verdict: GuardVerdict;
  reason: string;
}

const SECONDS_PER_DAY = 86_400;

export function decideGuard(reading: VolumeReading, context: GuardContext): GuardDecision {
  const { budgetPerDay, minSample, percentage, nextPercentage } = context;
  const ratePerSecond = reading.windowCount / reading.windowSeconds;
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
  if (nextPercentage === null) {
    // Verification: the actual count decides; the projection at the current percentage is for people to see.
    const projection = Math.round(ratePerSecond * SECONDS_PER_DAY);
    return { ...base, projection, verdict: 'within-budget', reason: `${reading.count} of ${budgetPerDay} events so far on ${reading.day}` };
  }
  if (reading.windowCount < minSample || percentage <= 0) {
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
