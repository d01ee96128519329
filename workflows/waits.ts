// The rollout's waits: stage markers for the UI, approval gates and timers that an abort cuts short.
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { condition, setCurrentDetails } from '@temporalio/workflow';
import type { DurationText } from '../plan/rollout-plan';
import type { Approval } from './messages';
import type { RolloutProgress } from './rollout-progress';
import type { GateName, Stage } from './rollout-status';

export function enter(progress: RolloutProgress, stage: Stage, details: string): void {
  progress.enterStage(stage);
  setCurrentDetails(`**${stage}** — ${details}`);
}

/** Waits for a decision on `name`; returns the approval, or throws RollbackRequested (rejection, deadline, abort). */
export async function gate(progress: RolloutProgress, name: GateName, timeout: DurationText, reason: string | null = null): Promise<Approval> {
  progress.openGate(name, new Date(Date.now() + msToNumber(timeout)), reason);
  setCurrentDetails(`**${name}** — waiting for approval (deadline in ${timeout})${reason ? `: ${reason}` : ''}`);
  await condition(() => progress.hasDecision || progress.abortRequested, timeout, { summary: `gate ${name}: deadline` });
  progress.throwIfAborted();
  return progress.closeGate(name, timeout);
}

/** A durable timer that an abort ends early (and then throws). */
export async function waitUnlessAborted(progress: RolloutProgress, duration: Duration, summary: string): Promise<void> {
  await condition(() => progress.abortRequested, duration, { summary });
  progress.throwIfAborted();
}
