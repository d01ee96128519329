// Prints a simulated rollout for people: each step and guard check with its simulated time, then how it would end.
import { formatNumber, formatSpan } from '../report/format-report-values';
import type { RolloutPlan } from '../plan/rollout-plan';
import { formatCount } from '../text/format-count';
import { utcText } from '../text/utc-text';
import type { GuardDecision } from '../volume/guard-decision';
import type { StepRecord } from '../workflows/rollout-status';
import { SIMULATED_APPROVER } from './simulate-rollout';
import type { SimulatedCheck, SimulationEntry, SimulationResult } from './simulation-result';
import type { VolumeSeries } from './volume-series';

/** The files the simulation read, named as the person gave them. */
export interface SimulationSources {
  plan: string;
  volume: string;
}

const STAGE_WIDTH = 18;

export function formatSimulation(result: SimulationResult, series: VolumeSeries, sources: SimulationSources): string {
  const { plan, options } = result;
  const { guard } = plan;
  const lines = [
    `Simulated rollout of ${plan.flag}: plan ${sources.plan}, volume ${sources.volume}`,
    `  volume   ${seriesSummary(series)}; the flag sends the production percentage of it${options.actorsShare > 0 ? ` (the production actors alone ${formatNumber(options.actorsShare * 100)} %)` : ''}`,
    `  guard    budget ${formatCount(guard.budgetPerDay)} events/day, a check every ${guard.interval}, at least ${formatCount(guard.minSample)} events to project, ` +
      `waits ${guard.inconclusiveWait} for traffic, on a projected breach: ${guard.onProjectedBreach}`,
    `  gates    ${options.gateDelayMs > 0 ? `approved ${formatSpan(options.gateDelayMs)} after they open` : 'approved as soon as they open'}` +
      `${options.approveReviews ? ', volume-review too' : '; volume-review waits for a person'}`,
    `  start    ${utcText(new Date(result.startMs).toISOString())}`,
    '',
  ];
  for (const entry of result.entries) {
    const offset = `+${formatSpan(entry.at - result.startMs)}`;
    lines.push(`  ${offset.padEnd(12)} ${stageOf(entry).padEnd(STAGE_WIDTH)} ${entryText(entry, plan, result.startMs)}`);
  }
  lines.push('', outcomeText(result));
  return `${lines.join('\n')}\n`;
}

function seriesSummary(series: VolumeSeries): string {
  const average = series.total / series.seconds;
  const loop = series.loop ? ', repeated' : '';
  return `${formatSpan(series.seconds * 1000)} from ${utcText(new Date(series.startMs).toISOString())}${loop}: ${formatCount(series.total)} events at 100 % (${formatNumber(average)}/s on average)`;
}

function stageOf(entry: SimulationEntry): string {
  return entry.kind === 'step' ? entry.step.stage : entry.stage;
}

function entryText(entry: SimulationEntry, plan: RolloutPlan, startMs: number): string {
  switch (entry.kind) {
    case 'note':
      return entry.text;
    case 'step':
      return stepText(entry.step);
    case 'check':
      return checkText(entry, plan, startMs);
  }
}

function stepText(step: StepRecord): string {
  if (step.gate) {
    const assumed = step.by === SIMULATED_APPROVER ? ' (assumed)' : '';
    return `gate ${step.gate} ${step.action}${assumed}`;
  }
  if (step.stage === 'rollback') return step.environment ? `restore the gates from before the rollout on ${step.environment}` : 'roll back every environment the rollout touched';
  if (step.environment && step.actors) return `${step.action} on ${step.environment}: ${step.actors.length} actors`;
  if (step.environment) return `${step.action} on ${step.environment}`;
  return step.action;
}

const PURPOSES: Record<SimulatedCheck['purpose'], (d: GuardDecision) => string> = {
  watch: (d) => `guard at ${formatNumber(d.percentage)} %`,
  clear: (d) => `guard clears ${formatNumber(d.nextPercentage ?? 100)} %`,
  're-read': (d) => `guard reads again for ${formatNumber(d.nextPercentage ?? 100)} %`,
  'after-last-step': (d) => `guard after the last step (${formatNumber(d.percentage)} %)`,
  final: () => 'guard, last check of verification',
};

function checkText(check: SimulatedCheck, plan: RolloutPlan, startMs: number): string {
  const d = check.decision;
  const sample = `${formatCount(d.windowCount)} events in ${formatCount(d.windowSeconds)} s (${formatNumber(d.ratePerSecond)}/s)`;
  return `${PURPOSES[check.purpose](d)}: ${sample} → ${verdictText(d, plan)}${thenText(check, startMs)}`;
}

/** The verdict with the figures behind it, numbers formatted. */
export function verdictText(d: GuardDecision, plan: RolloutPlan): string {
  const budget = `budget ${formatCount(d.budgetPerDay)}/day`;
  const today = `today ${formatCount(d.count)}`;
  switch (d.verdict) {
    case 'within-budget':
      if (d.nextPercentage !== null) return `within budget: about ${formatCount(d.projection ?? 0)}/day at ${formatNumber(d.nextPercentage)} %, ${budget}`;
      return d.windowCount >= plan.guard.minSample
        ? `within budget: ${today}, about ${formatCount(d.projection ?? 0)}/day at this rate, ${budget}`
        : `within budget: ${today}, ${budget} (too few events to project)`;
    case 'over-budget':
      return d.count > d.budgetPerDay
        ? `over budget: ${today} events, ${budget}`
        : `over budget: about ${formatCount(d.projection ?? 0)}/day at this rate (${formatNumber(d.percentage)} %), ${budget}`;
    case 'projected-over-budget':
      return `projected over budget: about ${formatCount(d.projection ?? 0)}/day at ${formatNumber(d.nextPercentage ?? 100)} %, ${budget}`;
    case 'inconclusive':
      return `inconclusive: at least ${formatCount(plan.guard.minSample)} events are needed to project`;
  }
}

function thenText(check: SimulatedCheck, startMs: number): string {
  switch (check.then) {
    case null:
      return '';
    case 'go-on':
      return ` → on to ${formatNumber(check.decision.nextPercentage ?? 100)} %`;
    case 'read-again':
      return ` → read again at +${formatSpan((check.readAgainAt ?? check.at) - startMs)}`;
    case 'roll-back':
      return ' → ROLL BACK';
    case 'ask':
      return ' → HOLD at volume-review';
  }
}

function outcomeText(result: SimulationResult): string {
  const { outcome: o, plan, startMs } = result;
  const when = `+${formatSpan(o.at - startMs)} (${utcText(new Date(o.at).toISOString())})`;
  const where = `stage ${o.stage}, ${formatNumber(o.percentage)} % on production`;
  const guardSaid = o.decision ? `: ${verdictText(o.decision, plan)}` : `: ${o.reason}`;
  const reviews = result.reviews > 0 && o.result !== 'held' ? `; the guard asked at volume-review ${result.reviews === 1 ? 'once' : `${result.reviews} times`} (approved as assumed)` : '';
  switch (o.result) {
    case 'completed':
      return `Outcome: completes at ${when}: every step cleared, verified for ${plan.verification}${reviews}.`;
    case 'rolled-back': {
      const before = o.stoppedBefore !== null ? `, before ${formatNumber(o.stoppedBefore)} %` : '';
      return `Outcome: ROLLS BACK at ${when}, ${where}${before} (cause ${o.cause ?? 'unknown'})${guardSaid}${reviews}.`;
    }
    case 'held': {
      const deadline = o.gateDeadline !== null ? `; without a decision it rolls back at ${utcText(new Date(o.gateDeadline).toISOString())}` : '';
      const before = o.stoppedBefore !== null ? `, before ${formatNumber(o.stoppedBefore)} %` : '';
      return `Outcome: HOLDS for a person at gate ${o.gate ?? 'volume-review'} at ${when}, ${where}${before}${guardSaid}${deadline}.`;
    }
    case 'series-ended':
      return `Outcome: unknown — at ${when}, ${where}, ${o.reason}.`;
  }
}
