// The rollout workflow: walks one flag through every stage of the rollout issue, with compensating rollback.
import {
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { RolloutActivities } from '../activities/create-activities';
import type { Environment } from '../flags/environments';
import type { FlagChange } from '../flags/flag-gates';
import type { DurationText } from '../plan/rollout-plan';
import { volumeVerdict } from '../volume/volume-verdict';
import { CompensationStack } from './compensation-stack';
import * as messages from './messages';
import { RollbackRequested } from './rollback-requested';
import { RolloutProgress } from './rollout-progress';
import type { GateName, RolloutInput, RolloutStatus, Stage } from './rollout-status';

const NON_RETRYABLE = ['InvalidFlagInput'];

const forward = proxyActivities<RolloutActivities>(forwardOptions());
const rollback = proxyActivities<RolloutActivities>(rollbackOptions());

export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutStatus> {
  const { plan } = input;
  const progress = new RolloutProgress(plan, workflowInfo().workflowId, () => new Date());
  setHandler(messages.approve, (approval) => progress.onApprove(approval));
  setHandler(messages.reject, (rejection) => progress.onReject(rejection));
  setHandler(messages.abort, (request) => progress.onAbort(request));
  setHandler(messages.status, () => progress.status());

  const compensations = new CompensationStack();
  const flags = new FlagChanges(plan.flag, progress, compensations);

  try {
    await runStages(input, progress, flags);
    progress.finish('completed', `${plan.flag} is enabled globally on production and passed ${plan.verification} of verification`);
    setCurrentDetails(`**completed** — ${plan.flag} is enabled globally on production`);
  } catch (error) {
    const cause = toRollbackRequest(error);
    progress.startRollback(cause);
    setCurrentDetails(`**rolling back** — ${cause.message}`);
    const failures = await CancellationScope.nonCancellable(() => compensations.unwind());
    if (failures.length > 0) {
      progress.finish('failed', `rollback could not undo: ${failures.map((f) => f.label).join(', ')}`);
    } else {
      progress.finish('rolled-back');
    }
    setCurrentDetails(`**${progress.status().state}** — ${progress.status().outcome?.reason ?? ''}`);
  }
  return progress.status();
}

async function runStages({ plan }: RolloutInput, progress: RolloutProgress, flags: FlagChanges): Promise<void> {
  enter(progress, 'non-production', `enable ${plan.flag} on ${plan.environments.join(', ')}`);
  for (const environment of plan.environments) {
    await flags.apply(environment, { kind: 'boolean', value: true }, `enable ${plan.flag} on ${environment}`);
    progress.record({ stage: 'non-production', action: 'enabled globally', environment });
  }

  await gate(progress, 'staging-qa', plan.approvalTimeout);

  const actors = [
    ...plan.production.actors.project.map((name) => `project:${name}`),
    ...plan.production.actors.group.map((name) => `group:${name}`),
    ...plan.production.actors.user.map((name) => `user:${name}`),
  ];
  enter(progress, 'production-actors', `enable ${plan.flag} on production for ${actors.length} actors`);
  if (actors.length > 0) {
    await flags.apply('production', { kind: 'actors', actors }, `enable ${plan.flag} for ${actors.length} actors on production`);
    progress.record({ stage: 'production-actors', action: 'enabled for actors', environment: 'production', actors });
  } else {
    progress.record({ stage: 'production-actors', action: 'skipped: the plan names no production actors' });
  }

  await gate(progress, 'production-qa', plan.approvalTimeout);
  await gate(progress, 'global-readiness', plan.approvalTimeout);

  const gateName = plan.ramp.type === 'actors' ? 'percentageOfActors' : 'percentageOfTime';
  for (const percentage of plan.ramp.steps) {
    enter(progress, 'ramp', `${percentage}% of ${plan.ramp.type} on production; soak ${plan.ramp.soak}`);
    await flags.apply(
      'production',
      { kind: 'percentage', gate: gateName, value: percentage },
      `set ${plan.flag} to ${percentage}% of ${plan.ramp.type} on production`,
    );
    progress.setPercentage(percentage);
    progress.record({ stage: 'ramp', action: `set ${percentage}% of ${plan.ramp.type}`, environment: 'production', percentage });
    await waitUnlessAborted(progress, plan.ramp.soak, `soak at ${percentage}%`);
    await checkVolume(progress, plan.flag, plan.guard.budgetPerDay);
  }

  enter(progress, 'global', `enable ${plan.flag} globally on production`);
  await flags.apply('production', { kind: 'boolean', value: true }, `enable ${plan.flag} globally on production`);
  progress.record({ stage: 'global', action: 'enabled globally', environment: 'production' });

  enter(progress, 'verification', `verification for ${plan.verification}, guard every ${plan.guard.interval}`);
  const verificationEnds = Date.now() + msToNumber(plan.verification);
  const interval = msToNumber(plan.guard.interval);
  for (let remaining = verificationEnds - Date.now(); remaining > 0; remaining = verificationEnds - Date.now()) {
    await waitUnlessAborted(progress, Math.min(interval, remaining), 'verification: until the next volume check');
    await checkVolume(progress, plan.flag, plan.guard.budgetPerDay);
  }
  progress.record({ stage: 'verification', action: `verified for ${plan.verification}` });
}

/** Applies flag changes through activities, pushing the undo of each environment's first change before it runs. */
class FlagChanges {
  private sequence = 0;
  private readonly touched = new Set<Environment>();

  constructor(
    private readonly flag: string,
    private readonly progress: RolloutProgress,
    private readonly compensations: CompensationStack,
  ) {}

  async apply(environment: Environment, change: FlagChange, summary: string): Promise<void> {
    const { workflowId, runId } = workflowInfo();
    const changeId = `${workflowId}/${runId}/${++this.sequence}`;
    if (!this.touched.has(environment)) {
      // Pushed before the write: if the activity fails after writing, rollback still finds its change record.
      this.touched.add(environment);
      this.compensations.push(`restore ${environment}`, () => this.revert(environment, changeId));
    }
    await forward.applyFlagChange.executeWithOptions(forwardOptions(summary), [
      { flag: this.flag, environment, change, changeId },
    ]);
  }

  private async revert(environment: Environment, changeId: string): Promise<void> {
    const result = await rollback.revertFlagChange.executeWithOptions(rollbackOptions(`restore ${this.flag} on ${environment}`), [
      { flag: this.flag, environment, changeId },
    ]);
    this.progress.record({
      stage: 'rollback',
      action: result.reverted ? 'restored previous gates' : 'nothing to restore (change was never applied)',
      environment,
      gates: result.gates,
    });
  }
}

function forwardOptions(summary?: string): ActivityOptions {
  return {
    summary,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

// Rollback must not give up while the flag store is unreachable: retry without an attempt limit.
function rollbackOptions(summary?: string): ActivityOptions {
  return {
    summary,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

function enter(progress: RolloutProgress, stage: Stage, details: string): void {
  progress.enterStage(stage);
  setCurrentDetails(`**${stage}** — ${details}`);
}

async function gate(progress: RolloutProgress, name: GateName, timeout: DurationText): Promise<void> {
  progress.openGate(name, new Date(Date.now() + msToNumber(timeout)));
  setCurrentDetails(`**${name}** — waiting for approval (deadline in ${timeout})`);
  await condition(() => progress.hasDecision || progress.abortRequested, timeout, { summary: `gate ${name}: deadline` });
  progress.throwIfAborted();
  progress.closeGate(name, timeout);
}

/** A durable timer that an abort ends early (and then throws). */
async function waitUnlessAborted(progress: RolloutProgress, duration: Duration, summary: string): Promise<void> {
  await condition(() => progress.abortRequested, duration, { summary });
  progress.throwIfAborted();
}

async function checkVolume(progress: RolloutProgress, flag: string, budgetPerDay: number): Promise<void> {
  const reading = await forward.readEventVolume.executeWithOptions(
    forwardOptions(`read today's Snowplow volume for ${flag}`),
    [{ flag }],
  );
  const verdict = volumeVerdict(reading.count, budgetPerDay);
  progress.recordVolume({ ...reading, budgetPerDay, verdict, at: new Date().toISOString() });
  if (verdict === 'over-budget') {
    throw new RollbackRequested(
      'guard-breach',
      `Snowplow volume ${reading.count} on ${reading.day} is over the budget of ${budgetPerDay} events/day`,
    );
  }
}

function toRollbackRequest(error: unknown): RollbackRequested {
  if (error instanceof RollbackRequested) return error;
  if (isCancellation(error)) return new RollbackRequested('cancelled', 'the workflow was cancelled');
  if (error instanceof ActivityFailure) {
    const detail = error.cause?.message ?? error.message;
    return new RollbackRequested('activity-failed', `activity ${error.activityType} failed: ${detail}`);
  }
  return new RollbackRequested('activity-failed', `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}
