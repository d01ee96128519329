// The rollout's waits: timers to absolute ends that an abort cuts short, with the volume guard on its cadence, and gates.
import { condition, setCurrentDetails } from '@temporalio/workflow';
import { durationToMs } from '../plan/duration-text-schema';
import { continueAsNewNeeded, continueAsNewNow } from './continue-as-new';
import type { RolloutContext } from './rollout-context';
import type { Approval } from './message-schemas';
import type { RolloutProgress } from './rollout-progress';
import type { GateName, Stage } from './rollout-status';

/** What a wait is for; the guard's cadence depends on it for rollouts recorded before it watched everywhere. */
export type WaitKind = 'gate' | 'soak' | 'verification' | 'plain';

export interface WaitOptions {
  kind: WaitKind;
  /** The timer's summary in the Temporal UI. */
  summary: string;
  /** Ends the wait early besides an abort (e.g. a gate's decision). */
  wake?: () => boolean;
  /** A guard check follows the end of this wait (soak, verification, re-read): a check due just before it is left to it. */
  endsWithCheck?: boolean;
}

/** How close before a wait's end a due check may be left to the check that follows the end. */
const END_CHECK_SLACK_MS = 500;

/** Marks the stage and says in the UI what the rollout does now. */
export function enter(progress: RolloutProgress, stage: Stage, details: string): void {
  progress.enterStage(stage);
  show(progress, `**${stage}** — ${details}`);
}

/** The UI's "current details" of this run (kept in the state, so a resumed run shows them again). */
export function show(progress: RolloutProgress, details: string): void {
  progress.details = details;
  setCurrentDetails(details);
}

/**
 * Waits until `until` (epoch ms) unless an abort or `wake()` ends it first (then returns true). While the guard
 * watches it reads on its cadence (a breach throws RollbackRequested). A history grown long continues-as-new here:
 * every wait's end lives in the state, so the next run resumes the same wait.
 */
export async function waitUntil(ctx: RolloutContext, until: number, options: WaitOptions): Promise<boolean> {
  const { progress, guard } = ctx;
  const woken = () => progress.abortRequested || (options.wake?.() ?? false);
  const cadence = guard.cadence(options.kind);
  for (;;) {
    // A volume-review the guard opened during this wait (it could not read) is answered before the wait goes on.
    if (options.kind !== 'gate' && progress.pendingGate?.name === 'volume-review') await gate(ctx, 'volume-review');
    if (woken()) return true;
    const now = Date.now();
    if (now >= until) return false;
    if (continueAsNewNeeded()) await continueAsNewNow(ctx);
    const due = dueCheck(cadence.dueAt(), until, options.endsWithCheck ?? false);
    if (due !== null && due <= now) {
      await guard.watch(ctx, cadence); // overdue (e.g. a flag write took long): check before waiting on
      continue;
    }
    const wakeAt = due === null ? until : Math.min(until, due);
    if (await condition(() => woken() || continueAsNewNeeded(), wakeAt - now, { summary: options.summary })) continue;
    // The check right after its timer, before the next turn's continue-as-new test: recorded histories have this order.
    if (due !== null && Date.now() >= due && Date.now() < until) await guard.watch(ctx, cadence);
  }
}

/** The next check this wait makes itself: none when the check that follows its end comes soon enough after `due`. */
function dueCheck(due: number | null, until: number, endsWithCheck: boolean): number | null {
  if (due === null || (endsWithCheck && until <= due + END_CHECK_SLACK_MS)) return null;
  return due;
}

/**
 * Waits for a decision on gate `name` until its deadline; returns the approval, or throws RollbackRequested
 * (rejection, deadline, abort, or a guard breach while it waits). A gate resumed after continue-as-new keeps its deadline.
 */
export async function gate(ctx: RolloutContext, name: GateName, reason: string | null = null): Promise<Approval> {
  const { plan, progress, guard } = ctx;
  if (progress.pendingGate?.name !== name) progress.openGate(name, Date.now() + durationToMs(plan.approvalTimeout)!, reason);
  const pending = progress.pendingGate!;
  const why = pending.reason ? `: ${pending.reason}` : '';
  show(progress, `**${name}** — waiting for approval until ${new Date(pending.deadline).toISOString()}${why}`);
  const summary = guard.watching ? `gate ${name}: next guard check or deadline` : `gate ${name}: deadline`;
  await waitUntil(ctx, pending.deadline, { kind: 'gate', summary, wake: () => progress.hasDecision });
  progress.throwIfAborted();
  return progress.closeGate(name, plan.approvalTimeout);
}
