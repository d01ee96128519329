// The rollout workflow: walks one flag through every stage of the rollout issue, with compensating rollback.
import {
  ActivityFailure,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  log,
  patched,
  setDefaultSignalHandler,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { upgradePlan } from '../plan/upgrade-plan';
import { FlagChanges } from './flag-changes';
import { MESSAGE_EXAMPLES, MESSAGE_KINDS, type MessageKind } from './message-schemas';
import * as messages from './messages';
import { OperatorView } from './operator-view';
import { OPERATOR_VIEW, ROLLBACK_CLOSES_AS_FAILURE, STRICT_MESSAGES } from './patches';
import { RollbackRequested } from './rollback-requested';
import type { RolloutContext } from './rollout-context';
import { rolloutFailure } from './rollout-failures';
import { logBreach } from './rollout-log';
import { RolloutProgress } from './rollout-progress';
import type { RolloutInput } from './rollout-snapshot';
import { runStages } from './rollout-stages';
import type { RolloutStatus } from './rollout-status';
import { VolumeGuard } from './volume-guard';
import { show } from './waits';
import { WorkflowClock } from './workflow-clock';

export type { RolloutInput } from './rollout-snapshot';

export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutStatus> {
  const plan = upgradePlan(input.plan);
  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  const clock = new WorkflowClock();
  const progress = new RolloutProgress(plan, workflowId, () => clock.now(), `${workflowId}/${runId}`, input.resume);
  progress.firstRunId = firstExecutionRunId;
  const view = new OperatorView(progress, patched(OPERATOR_VIEW));
  progress.notifying = view.enabled;
  registerHandlers(progress);
  const ctx: RolloutContext = { plan, progress, flags: new FlagChanges(plan, progress), guard: new VolumeGuard(plan, progress, clock), view, clock };
  view.refresh();

  try {
    await runStages(ctx);
    progress.finish('completed', `${plan.flag} is enabled globally on production and passed ${plan.verification} of verification`);
    progress.notice('completed', `${plan.flag} is enabled globally on production and passed ${plan.verification} of verification`, { percentage: 100 });
    show(progress, `**completed** — ${plan.flag} is enabled globally on production`);
    await view.settle();
    return progress.status();
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    const cause = toRollbackRequest(error);
    if (cause.rollbackCause === 'guard-breach' || cause.rollbackCause === 'projected-breach') {
      logBreach(plan, { cause: cause.rollbackCause, reason: cause.message, state: progress.status().state, stage: progress.stage, percentage: progress.percentage, reading: progress.guard.decisions.at(-1) ?? null });
      progress.notice('breach', `${plan.flag}: ${cause.message}; rolling back`);
    }
    progress.startRollback(cause);
    show(progress, `**rolling back** — ${cause.message}`);
    const failed = await CancellationScope.nonCancellable(() => ctx.flags.rollback());
    if (failed.length > 0) progress.finish('failed', `rollback could not undo: ${failed.map((env) => `restore ${env}`).join(', ')}`);
    else progress.finish('rolled-back');
    const status = progress.status();
    progress.notice(failed.length > 0 ? 'rollback-failed' : 'rolled-back', `${plan.flag} ${status.state}: ${status.outcome?.reason ?? ''}`);
    show(progress, `**${status.state}** — ${status.outcome?.reason ?? ''}`);
    await CancellationScope.nonCancellable(() => view.settle());
    if (patched(ROLLBACK_CLOSES_AS_FAILURE)) throw rolloutFailure(status);
    return status;
  }
}

/** approve, reject, abort, pause and resume as signals and as updates (one check behind both), unknown signals, and the status query. */
function registerHandlers(progress: RolloutProgress): void {
  const onSignal = (kind: MessageKind) => (...args: unknown[]) => safely(progress, kind, args, () => progress.receiveSignal(kind, args, patched(STRICT_MESSAGES)));
  const what: Record<MessageKind, string> = {
    approve: 'Approve the pending gate',
    reject: 'Reject the pending gate (the rollout rolls back)',
    abort: 'Abort the rollout at any stage (it rolls back)',
    pause: 'Pause the rollout where it is (clocks stop; the guard keeps watching)',
    resume: 'Resume a paused rollout (its clocks go on with the time they had left)',
    cleanup: 'Name the flag-removal merge request the cleanup stage waits for',
  };
  const describe = (kind: MessageKind) => `${what[kind]}; payload like ${MESSAGE_EXAMPLES[kind]}`;
  for (const kind of MESSAGE_KINDS) {
    setHandler(messages.SIGNALS[kind] as typeof messages.approve, onSignal(kind), { description: describe(kind) });
    setHandler(messages.UPDATES[kind] as typeof messages.approveUpdate, (...args: unknown[]) => progress.takeUpdate(kind, args), {
      validator: (...args: unknown[]) => progress.validateUpdate(kind, args),
      description: describe(kind),
    });
  }
  setDefaultSignalHandler((name, ...args) => safely(progress, name, args, () => progress.refuseUnknown(name, args)));
  setHandler(messages.status, () => progress.status());
}

/** A handler never throws (a throw would fail every replay of the workflow task): a bug is logged and the message refused. */
function safely(progress: RolloutProgress, name: string, args: unknown[], handle: () => void): void {
  try {
    handle();
  } catch (error) {
    log.error('message handler failed; the message is refused', { name, error: String(error) });
    progress.refuseAfterError(name, args, error);
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
