// The rollout's gauges (state, stage, ramp percentage, guard volume vs budget, last check), set from workflow code; never in history.
import type { MetricGauge } from '@temporalio/common';
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import { ROLLOUT_STATES, STAGES, type RolloutStatus } from './rollout-status';

/** The gauges' names: one definition, docs/observability.md describes each. */
export const ROLLOUT_GAUGES = {
  state: 'rollout_state',
  stage: 'rollout_stage',
  percentage: 'rollout_ramp_percentage',
  eventsToday: 'rollout_guard_events_today',
  projected: 'rollout_guard_projected_events_per_day',
  budget: 'rollout_guard_budget_events_per_day',
  lastCheck: 'rollout_guard_last_check_timestamp_seconds',
  verdict: 'rollout_guard_verdict',
} as const;

/** What the last guard check said, as the one-hot `rollout_guard_verdict{verdict}`. */
export const GUARD_VERDICTS = ['within-budget', 'projected-over-budget', 'over-budget', 'inconclusive', 'unreadable'] as const;

/**
 * Sets the gauges from the status when a value changed. The workflow's `metricMeter` drops values during replay, so
 * nothing is remembered as sent then: the first activation after a replay (a worker restart, a cache eviction) sends
 * every gauge again.
 */
export class RolloutMetrics {
  private readonly sent = new Map<string, number>();
  private gauges: Record<keyof typeof ROLLOUT_GAUGES, MetricGauge> | null = null;

  publish(status: RolloutStatus): void {
    if (workflowInfo().unsafe.isReplaying) return;
    const g = (this.gauges ??= createGauges(status.flag));
    for (const state of ROLLOUT_STATES) this.set(g.state, { state }, state === status.state ? 1 : 0);
    for (const stage of STAGES) this.set(g.stage, { stage }, stage === status.stage ? 1 : 0);
    this.set(g.percentage, {}, status.percentage);
    this.set(g.budget, {}, status.plan.guard.budgetPerDay);
    const last = status.guard.decisions.at(-1);
    if (last) for (const verdict of GUARD_VERDICTS) this.set(g.verdict, { verdict }, verdict === last.verdict ? 1 : 0);
    // The last check that read the counters: its age is how long the guard has been blind.
    const read = [...status.guard.decisions].reverse().find((decision) => decision.verdict !== 'unreadable');
    if (read) {
      this.set(g.eventsToday, {}, read.count);
      if (read.projection !== null) this.set(g.projected, {}, read.projection);
      this.set(g.lastCheck, {}, Date.parse(read.at) / 1000);
    }
  }

  private set(gauge: MetricGauge, tags: Record<string, string>, value: number): void {
    const key = `${gauge.name}${JSON.stringify(tags)}`;
    if (this.sent.get(key) === value) return;
    gauge.set(value, tags);
    this.sent.set(key, value);
  }
}

function createGauges(flag: string): Record<keyof typeof ROLLOUT_GAUGES, MetricGauge> {
  const meter = metricMeter.withTags({ flag });
  const gauge = (name: string, description: string, valueType: 'int' | 'float' = 'int') => meter.createGauge(name, valueType, undefined, description);
  return {
    state: gauge(ROLLOUT_GAUGES.state, 'one per state: 1 for the rollout state the flag is in, 0 for the others'),
    stage: gauge(ROLLOUT_GAUGES.stage, 'one per stage: 1 for the stage the rollout of the flag is at, 0 for the others'),
    percentage: gauge(ROLLOUT_GAUGES.percentage, 'production percentage the ramp has set (100 once enabled globally)', 'float'),
    eventsToday: gauge(ROLLOUT_GAUGES.eventsToday, "today's Snowplow events behind the flag at the guard's last reading"),
    projected: gauge(ROLLOUT_GAUGES.projected, "events per day the guard's last reading projects (at the next step, or now)", 'float'),
    budget: gauge(ROLLOUT_GAUGES.budget, "the plan's budget of Snowplow events per day"),
    lastCheck: gauge(ROLLOUT_GAUGES.lastCheck, 'when the guard last read the counters (Unix seconds); alert on time() minus it', 'float'),
    verdict: gauge(ROLLOUT_GAUGES.verdict, "one per verdict: 1 for the guard's last verdict, 0 for the others"),
  };
}
