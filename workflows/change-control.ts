// Holds each production change until the plan's change window allows it and no freeze or incident is active.
import { ActivityFailure, patched, proxyLocalActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import type { ChangeHold } from '../change-control/check-change-control';
import { CHANGE_CONTROL } from './patches';
import type { RolloutContext } from './rollout-context';
import { show, waitUntil } from './waits';

/** How often a freeze (or an unreadable freeze source) is checked again when its end is not known, or may come early. */
const FREEZE_RECHECK_MS = 5 * 60_000;

/** The check is a local activity: one marker per production change while nothing holds it. */
function changeChecks(summary: string) {
  return proxyLocalActivities<RolloutActivities>({ summary, startToCloseTimeout: '10s', scheduleToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });
}

/**
 * Returns once production may change: inside the plan's change window with `oncallAfterChange` left, and no freeze.
 * Meanwhile the rollout holds on durable timers (the guard keeps watching; abort and pause work as in any wait); the
 * hold, its reason and its end are in the status.
 */
export async function awaitChangeAllowed(ctx: RolloutContext, what: string): Promise<void> {
  // Rollouts recorded before change control issue no check here.
  if (!patched(CHANGE_CONTROL)) return;
  const { progress } = ctx;
  for (;;) {
    const hold = await currentHold(ctx, what);
    if (hold === null) {
      progress.releaseHold();
      return;
    }
    progress.hold(hold);
    show(progress, `**held** before "${what}" — ${hold.reason}`);
    const now = ctx.clock.now();
    const end = hold.until === null ? now + FREEZE_RECHECK_MS : Date.parse(hold.until);
    // A freeze may lift before its announced end: look again every few minutes.
    const until = hold.kind === 'freeze' ? Math.min(end, now + FREEZE_RECHECK_MS) : end;
    await waitUntil(ctx, Math.max(until, now + 1000), { kind: 'plain', summary: `held (${hold.kind}) before: ${what}` });
    progress.throwIfAborted();
  }
}

async function currentHold({ plan, clock }: RolloutContext, what: string): Promise<ChangeHold | null> {
  try {
    const check = changeChecks(`may production change now? ${what}`);
    const verdict = await clock.local(() => check.checkChangeControl({ window: plan.changeWindow ?? null, at: new Date(clock.now()).toISOString() }));
    return verdict.allowed ? null : verdict.hold;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { kind: 'freeze', reason: `change control could not be checked: ${error.cause?.message ?? error.message}`, until: null };
  }
}
