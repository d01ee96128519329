// Decides whether a day's event count is within the plan's daily budget.
export type VolumeVerdict = 'within-budget' | 'over-budget';

/** Over budget means strictly more events than the budget allows for the day. */
export function volumeVerdict(count: number, budgetPerDay: number): VolumeVerdict {
  return count > budgetPerDay ? 'over-budget' : 'within-budget';
}
