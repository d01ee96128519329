// The rollout's waits: timers to absolute ends that an abort cuts short, with the volume guard on its cadence, and gates.
import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import { durationToMs } from '../plan/duration-text-schema';
import { continueAsNewNeeded, continueAsNewNow } from './continue-as-new';
import type { RolloutContext } from './rollout-context';
import type { Approval } from './message-schemas';
import type { RolloutProgress } from './rollout-progress';
import type { GateName, Stage } from './rollout-status';
import { waitEndMarker } from './activity-proxies';
import { gateCommands } from './gate-commands';
import { dueCheck } from '../volume/guard-cadence';
import type { Cadence } from './volume-guard';

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

/** Marks the stage and says in the UI what the rollout does now. */
export function enter(progress: RolloutProgress, stage: Stage, details: string): void {
  progress.enterStage(stage);
  show(progress, `**${stage}** — ${details}`);
}

/** The note of the UI's "current details" (kept in the state, so a resumed run shows it again); the view re-renders. */
export function show(progress: RolloutProgress, details: string): void {
  progress.details = details;
  progress.onChange();
}

/**
 * Waits until `until` (epoch ms) unless an abort or `wake()` ends it first (then returns true). While the guard
 * watches it reads on its cadence (a breach throws RollbackRequested). A history grown long continues-as-new here:
 * every wait's end lives in the state, so the next run resumes the same wait.
 */
export async function waitUntil(ctx: RolloutContext, end: number | (() => number), options: WaitOptions): Promise<boolean> {
  const { progress, guard, view, clock } = ctx;
  const woken = () => progress.abortRequested || (options.wake?.() ?? false);
  const cadence = guard.cadence(options.kind);
  // The end is read again every turn: a resume moves the ends of the waits under way by the time paused.
  const untilNow = typeof end === 'number' ? () => end : end;
  untilNow(); // a getter like progress.deadline() fixes the end on its first call: at the start, as before getters
  for (;;) {
    view.refresh();
    // A volume-review the guard opened during this wait (it could not read) is answered before the wait goes on.
    if (options.kind !== 'gate' && progress.pendingGate?.name === 'volume-review') await gate(ctx, 'volume-review');
    if (woken()) return true;
    if (progress.paused) {
      await holdWhilePaused(ctx, cadence);
      continue;
    }
    const now = clock.now();
    const until = untilNow();
    if (now >= until) return false;
    if (continueAsNewNeeded()) await continueAsNewNow(ctx);
    const due = dueCheck(cadence.dueAt(), until, options.endsWithCheck ?? false);
    if (due !== null && due <= now) {
      await guard.watch(ctx, cadence); // overdue (e.g. a flag write took long): check before waiting on
      continue;
    }
    const wakeAt = due === null ? until : Math.min(until, due);
    const stirred = () => woken() || continueAsNewNeeded() || progress.paused || progress.hasNotices;
    if (clock.firedTimerRules) {
      if (!(await timerFires(stirred, wakeAt - now, options.summary))) continue;
      // The timer's consequence first, at its end, whatever this activation's clock says or a message came with it.
      clock.timerFired(wakeAt);
      if (wakeAt >= until) {
        if (clock.markWaitEnds) await clock.local(() => waitEndMarker(`ended: ${options.summary}`).waitEnded());
        return false;
      }
      await guard.watch(ctx, cadence); // wakeAt is the check that was due
      continue;
    }
    if (await condition(stirred, wakeAt - now, { summary: options.summary })) continue;
    // The check right after its timer, before the next turn's continue-as-new test: recorded histories have this order.
    if (due !== null && Date.now() >= due && Date.now() < until) await guard.watch(ctx, cadence);
  }
}

/**
 * One turn of a pause: the guard keeps its cadence (a breach still rolls back); nothing else moves until a resume,
 * an abort, or a history grown long (then the pause continues in the next run).
 */
async function holdWhilePaused(ctx: RolloutContext, cadence: Cadence): Promise<void> {
  const { progress, guard, clock } = ctx;
  const due = cadence.dueAt();
  if (due !== null && due <= clock.now()) return guard.watch(ctx, cadence);
  if (continueAsNewNeeded()) await continueAsNewNow(ctx);
  const stirred = () => !progress.paused || progress.abortRequested || continueAsNewNeeded() || progress.hasNotices;
  const summary = 'paused: until resumed; the guard keeps watching';
  if (due === null) await condition(stirred);
  else if (!clock.firedTimerRules) await condition(stirred, due - Date.now(), { summary });
  else if (await timerFires(stirred, due - clock.now(), summary)) {
    clock.timerFired(due);
    await guard.watch(ctx, cadence); // the timer's consequence first, as in waitUntil
  }
}

/**
 * condition(stirred, ms) that answers whether its timer fired: true also when `stirred` became true in the same
 * activation (a replay gets a message and the timer that fired before it together; the live run may have had them apart).
 */
async function timerFires(stirred: () => boolean, ms: number, summary: string): Promise<boolean> {
  let fired = false;
  await CancellationScope.cancellable(async () => {
    try {
      await Promise.race([sleep(ms, { summary }).then(() => (fired = true)), condition(stirred)]);
    } finally {
      CancellationScope.current().cancel();
    }
  });
  return fired;
}

/** Holds a paused rollout before its next step (a flag change or a gate), with the guard watching. */
export async function holdIfPaused(ctx: RolloutContext): Promise<void> {
  if (ctx.progress.paused) await waitUntil(ctx, () => ctx.clock.now(), { kind: 'plain', summary: 'paused' });
}

/**
 * Waits for a decision on gate `name` until its deadline; returns the approval, or throws RollbackRequested
 * (rejection, deadline, abort, or a guard breach while it waits). A gate resumed after continue-as-new keeps its deadline.
 */
export async function gate(ctx: RolloutContext, name: GateName, reason: string | null = null): Promise<Approval> {
  const { plan, progress, guard, view } = ctx;
  const timeoutMs = durationToMs(plan.approvalTimeout)!;
  if (progress.pendingGate?.name !== name) {
    progress.openGate(name, ctx.clock.now() + timeoutMs, reason);
    const deadline = new Date(progress.pendingGate!.deadline).toISOString();
    const who = name === 'volume-review' ? `the guard holds: ${reason ?? ''}` : `waits for approval by ${plan.approvers.join(' or ')}`;
    progress.notice(name === 'volume-review' ? 'volume-review' : 'gate-opened', `${plan.flag}: ${name} ${who}`, { gate: name, deadline, commands: gateCommands(plan, name) });
  }
  const pending = progress.pendingGate!;
  show(progress, `**${name}** — waiting for a decision`); // the gate block above says until when, why and how
  const summary = guard.watching ? `gate ${name}: next guard check or deadline` : `gate ${name}: deadline`;
  const options: WaitOptions = { kind: 'gate', summary, wake: () => progress.hasDecision };
  const deadline = () => progress.pendingGate!.deadline;
  let decided = false;
  // Reminders at 50 % and 90 % of the time to decide (a pause moves them with the deadline).
  for (const [index, fraction] of REMINDER_FRACTIONS.entries()) {
    if (!view.enabled || decided || (pending.reminded ?? 0) > index) continue;
    decided = await waitUntil(ctx, () => deadline() - (1 - fraction) * timeoutMs, { ...options, summary: `gate ${name}: ${fraction * 100}% reminder` });
    if (!decided) remind(ctx, name, fraction);
  }
  if (!decided) await waitUntil(ctx, deadline, options);
  progress.throwIfAborted();
  return progress.closeGate(name, plan.approvalTimeout);
}

/** When reminders of an undecided gate go out, as fractions of the time to decide. */
export const REMINDER_FRACTIONS = [0.5, 0.9] as const;

function remind({ plan, progress }: RolloutContext, name: GateName, fraction: number): void {
  const pending = progress.pendingGate!;
  pending.reminded = (pending.reminded ?? 0) + 1;
  const deadline = new Date(pending.deadline).toISOString();
  progress.notice('gate-reminder', `${plan.flag}: ${name} still waits for a decision (${fraction * 100}% of the time to decide has passed; it rolls back at ${deadline})`, {
    gate: name,
    deadline,
    commands: gateCommands(plan, name),
  });
}
