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

/** Something to run while a gate waits (e.g. the volume guard), every `everyMs`; it may throw RollbackRequested. */
export interface GateWatch {
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * Waits for a decision on `name`; returns the approval, or throws RollbackRequested (rejection, deadline, abort,
 * or whatever `watch` throws while the gate waits).
 */
export async function gate(
  progress: RolloutProgress,
  name: GateName,
  timeout: DurationText,
  reason: string | null = null,
  watch?: GateWatch,
): Promise<Approval> {
  const deadline = Date.now() + msToNumber(timeout);
  progress.openGate(name, new Date(deadline), reason);
  setCurrentDetails(`**${name}** — waiting for approval (deadline in ${timeout})${reason ? `: ${reason}` : ''}`);
  for (let remaining = deadline - Date.now(); remaining > 0; remaining = deadline - Date.now()) {
    const wait = watch ? Math.min(watch.everyMs, remaining) : remaining;
    const summary = watch ? `gate ${name}: next guard check or deadline` : `gate ${name}: deadline`;
    if (await condition(() => progress.hasDecision || progress.abortRequested, wait, { summary })) break;
    if (watch && Date.now() < deadline) await watch.run();
  }
  progress.throwIfAborted();
  return progress.closeGate(name, timeout);
}

/** A durable timer that an abort ends early (and then throws). */
export async function waitUnlessAborted(progress: RolloutProgress, duration: Duration, summary: string): Promise<void> {
  await condition(() => progress.abortRequested, duration, { summary });
  progress.throwIfAborted();
}
