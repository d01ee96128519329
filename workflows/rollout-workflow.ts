// The rollout workflow: walks one flag through every stage of the rollout issue, with compensating rollback.
import { msToNumber } from '@temporalio/common/lib/time';
import { ActivityFailure, CancellationScope, isCancellation, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { CompensationStack } from './compensation-stack';
import { FlagChanges } from './flag-changes';
import * as messages from './messages';
import { RollbackRequested } from './rollback-requested';
import { RolloutProgress } from './rollout-progress';
import type { RolloutInput, RolloutStatus } from './rollout-status';
import { VolumeGuard } from './volume-guard';
import { enter, gate, waitUnlessAborted } from './waits';

export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutStatus> {
  const { plan } = input;
  const progress = new RolloutProgress(plan, workflowInfo().workflowId, () => new Date());
  setHandler(messages.approve, (approval) => progress.onApprove(approval));
  setHandler(messages.reject, (rejection) => progress.onReject(rejection));
  setHandler(messages.abort, (request) => progress.onAbort(request));
  setHandler(messages.status, () => progress.status());

  const compensations = new CompensationStack();
  try {
    await runStages(input, progress, new FlagChanges(plan.flag, progress, compensations));
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
    const { state, outcome } = progress.status();
    setCurrentDetails(`**${state}** — ${outcome?.reason ?? ''}`);
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

  // From here on the flag is on for production traffic: the guard also watches while gates wait.
  const guard = new VolumeGuard(plan.flag, plan.guard, plan.approvalTimeout, progress);
  await gate(progress, 'production-qa', plan.approvalTimeout, null, guard.watchDuringGate());
  await gate(progress, 'global-readiness', plan.approvalTimeout, null, guard.watchDuringGate());

  const percentageGate = plan.ramp.type === 'actors' ? 'percentageOfActors' : 'percentageOfTime';
  // The rate is measured over the soak (or one guard interval when there is no soak).
  const windowMs = msToNumber(plan.ramp.soak) || msToNumber(plan.guard.interval);
  const steps = plan.ramp.steps;
  for (const [index, percentage] of steps.entries()) {
    enter(progress, 'ramp', `${percentage}% of ${plan.ramp.type} on production; soak ${plan.ramp.soak}`);
    await flags.apply(
      'production',
      { kind: 'percentage', gate: percentageGate, value: percentage },
      `set ${plan.flag} to ${percentage}% of ${plan.ramp.type} on production`,
    );
    progress.setPercentage(percentage);
    progress.record({ stage: 'ramp', action: `set ${percentage}% of ${plan.ramp.type}`, environment: 'production', percentage });
    await waitUnlessAborted(progress, plan.ramp.soak, `soak at ${percentage}%`);
    // The global enable that follows the last step is a step to 100% too.
    const next = steps[index + 1] ?? (percentage < 100 ? 100 : null);
    if (next === null) await guard.check(percentage, null, windowMs);
    else await guard.clearNextStep(percentage, next, windowMs);
  }

  enter(progress, 'global', `enable ${plan.flag} globally on production`);
  await flags.apply('production', { kind: 'boolean', value: true }, `enable ${plan.flag} globally on production`);
  progress.setPercentage(100);
  progress.record({ stage: 'global', action: 'enabled globally', environment: 'production' });

  enter(progress, 'verification', `verification for ${plan.verification}, guard every ${plan.guard.interval}`);
  const verificationEnds = Date.now() + msToNumber(plan.verification);
  const interval = msToNumber(plan.guard.interval);
  for (let remaining = verificationEnds - Date.now(); remaining > 0; remaining = verificationEnds - Date.now()) {
    await waitUnlessAborted(progress, Math.min(interval, remaining), 'verification: until the next volume check');
    await guard.check(100, null, interval);
  }
  progress.record({ stage: 'verification', action: `verified for ${plan.verification}` });
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
