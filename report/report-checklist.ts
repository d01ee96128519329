// The rollout issue's checklist, filled in from a rollout's status: each stage with its state, time, decisions and steps.
import { READINESS_ITEMS, READINESS_ITEM_IDS, type ReadinessItem } from '../plan/readiness-items';
import type { RolloutPlan } from '../plan/rollout-plan';
import { STAGES, type RolloutStatus } from '../workflows/rollout-status';
import { decisionOf, percentageStepOf, reportStep } from './report-steps';
import type { ChecklistItemStatus, ChecklistStage, ReportChecklistItem, ReportDecision, ReportRampStep, ReportReadinessItem } from './rollout-report';

interface ItemText {
  section: string;
  title: (plan: RolloutPlan) => string;
  command: (plan: RolloutPlan) => string | null;
}

/** Each stage as the rollout issue words it, and the ChatOps command it replaces. */
export const CHECKLIST_TEXT: Record<ChecklistStage, ItemText> = {
  'non-production': {
    section: 'Rollout on non-production environments',
    title: (plan) => `Enable the feature globally on non-production environments (${plan.environments.join(', ')})`,
    command: (plan) => `/chatops run feature set ${plan.flag} true ${plan.environments.map((env) => `--${env}`).join(' ')}`,
  },
  'staging-qa': {
    section: 'Rollout on non-production environments',
    title: () => 'Verify that the feature works as expected on staging; post the QA result',
    command: () => null,
  },
  'production-actors': {
    section: 'Specific rollout on production',
    title: () => 'Enable the feature on production for the specific entries (projects, groups, users)',
    command: (plan) => {
      const { project, group, user } = plan.production.actors;
      const lists = [
        project.length ? `--project=${project.join(',')}` : '',
        group.length ? `--group=${group.join(',')}` : '',
        user.length ? `--user=${user.join(',')}` : '',
      ].filter(Boolean);
      return lists.length ? `/chatops run feature set ${lists.join(' ')} ${plan.flag} true` : null;
    },
  },
  'production-qa': {
    section: 'Specific rollout on production',
    title: () => 'Verify that the feature works on the specific entries; post the QA result',
    command: () => null,
  },
  'global-readiness': {
    section: 'Preparation before global rollout',
    title: () => 'Readiness checklist confirmed',
    command: () => null,
  },
  ramp: {
    section: 'Global rollout on production',
    title: (plan) => `Incrementally roll out the feature (${plan.ramp.steps.join(', ')} % of ${plan.ramp.type === 'actors' ? 'actors' : 'time'}, soak ${plan.ramp.soak})`,
    command: (plan) => `/chatops run feature set ${plan.flag} <rollout-percentage> ${rampOption(plan)}`,
  },
  global: {
    section: 'Global rollout on production',
    title: () => 'Enable the feature globally on production',
    command: (plan) => `/chatops run feature set ${plan.flag} true`,
  },
  verification: {
    section: 'Global rollout on production',
    title: (plan) => `Wait for the verification term (${plan.verification}) while the volume guard watches`,
    command: () => null,
  },
  cleanup: {
    section: 'Release the feature',
    title: () => 'After the flag-removal merge request is deployed everywhere, delete the flag on every environment',
    command: (plan) => `/chatops run feature delete ${plan.flag} ${[...plan.environments, 'production'].map((env) => `--${env}`).join(' ')}`,
  },
};

/** `--actors` or `--random`, as the ramp's ChatOps command takes it. */
export function rampOption(plan: RolloutPlan): string {
  return plan.ramp.type === 'actors' ? '--actors' : '--random';
}

const GATE_STAGES: readonly ChecklistStage[] = ['staging-qa', 'production-qa', 'global-readiness', 'cleanup'];

export function buildChecklist(status: RolloutStatus): ReportChecklistItem[] {
  // The cleanup stage is an item only for plans that have one.
  const stages = STAGES.filter((s): s is ChecklistStage => s !== 'completed' && (s !== 'cleanup' || status.plan.cleanup !== undefined));
  return stages.map((stage) => {
    const text = CHECKLIST_TEXT[stage];
    const steps = status.steps.filter((s) => s.stage === stage);
    const decisions = steps.map(decisionOf).filter((d) => d !== null);
    const itemStatus = statusOf(status, stage);
    const item: ReportChecklistItem = {
      stage,
      section: text.section,
      title: text.title(status.plan),
      status: itemStatus,
      doneAt: itemStatus === 'done' ? (steps.at(-1)?.at ?? null) : null,
      command: text.command(status.plan),
      gate: GATE_STAGES.includes(stage) ? (stage as ReportChecklistItem['gate']) : null,
      decisions,
      steps: steps.map(reportStep),
    };
    if (stage === 'global-readiness') item.readiness = readinessOf(status, decisions);
    if (stage === 'ramp') item.rampSteps = rampStepsOf(status);
    return item;
  });
}

function statusOf(status: RolloutStatus, stage: ChecklistStage): ChecklistItemStatus {
  if (status.state === 'completed') return 'done';
  const here = STAGES.indexOf(stage);
  const current = STAGES.indexOf(status.stage);
  if (current < 0 || here < current) return 'done';
  if (here > current) return 'not-reached';
  if (status.state === 'awaiting-approval') return 'awaiting-approval';
  if (status.state === 'running') return 'in-progress';
  return 'stopped';
}

function readinessOf(status: RolloutStatus, decisions: ReportDecision[]): ReportReadinessItem[] {
  const required = new Set<ReadinessItem>(status.plan.readiness ?? []);
  const confirmedBy = new Map<ReadinessItem, { by?: string; at: string }>();
  for (const d of decisions) {
    if (d.gate !== 'global-readiness' || d.decision !== 'approved') continue;
    for (const item of d.confirmed ?? []) if (!confirmedBy.has(item)) confirmedBy.set(item, { by: d.by, at: d.at });
  }
  return READINESS_ITEM_IDS.filter((item) => required.has(item) || confirmedBy.has(item)).map((item) => {
    const confirmation = confirmedBy.get(item);
    return {
      item,
      text: READINESS_ITEMS[item],
      required: required.has(item),
      confirmed: confirmation !== undefined,
      ...(confirmation?.by !== undefined ? { confirmedBy: confirmation.by } : {}),
      ...(confirmation ? { confirmedAt: confirmation.at } : {}),
    };
  });
}

function rampStepsOf(status: RolloutStatus): ReportRampStep[] {
  const setAt = new Map<number, string>();
  for (const step of status.steps) {
    const set = percentageStepOf(step);
    if (set?.stage === 'ramp' && !setAt.has(set.percentage)) setAt.set(set.percentage, set.at);
  }
  return status.plan.ramp.steps.map((percentage) => ({ percentage, setAt: setAt.get(percentage) ?? null }));
}
