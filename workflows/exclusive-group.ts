// Waits until no other running rollout holds the plan's exclusive group, then holds it until this rollout ends.
import { proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import { durationToMs } from '../plan/duration-text-schema';
import type { RolloutContext } from './rollout-context';
import { show, waitUntil } from './waits';

/** How often a waiting rollout looks again, at most (plans with a shorter guard interval look every interval). */
const RECHECK_MS = 60_000;
/** How long a claim settles before it is confirmed, at most: visibility is eventually consistent. */
const SETTLE_MS = 10_000;

const { rolloutsHoldingGroup } = proxyActivities<RolloutActivities>({
  summary: 'which rollouts hold the exclusive group',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '1m' },
});

/**
 * A rollout holds its group through the RolloutGroup search attribute; a running rollout that has it blocks the others.
 * Two rollouts that claim at once both see each other after the settle time, both back off for a random while and try
 * again, so one of them wins. A rollout that ends (in any way) stops running and so frees the group.
 */
export async function awaitExclusiveGroup(ctx: RolloutContext): Promise<void> {
  const { plan, progress, view } = ctx;
  const group = plan.exclusive;
  if (!group || progress.status().exclusive?.holds) return;
  const { workflowId } = progress.status();
  const intervalMs = durationToMs(plan.guard.interval)!;
  const recheckMs = Math.min(RECHECK_MS, intervalMs);
  const settleMs = Math.min(SETTLE_MS, intervalMs);
  for (;;) {
    const holders = await rolloutsHoldingGroup({ group, workflowId });
    if (holders.length === 0) {
      progress.setExclusive(true, []);
      view.refresh(); // the claim: RolloutGroup is set now
      await waitUntil(ctx, ctx.clock.now() + settleMs, { kind: 'plain', summary: `exclusive group ${group}: claim settling` });
      progress.throwIfAborted();
      const rivals = await rolloutsHoldingGroup({ group, workflowId });
      if (rivals.length === 0) return;
      progress.setExclusive(false, rivals); // someone claimed at the same time: back off
      view.refresh();
    } else {
      progress.setExclusive(false, holders);
    }
    show(progress, `**waiting** — exclusive group ${group} is held by ${progress.status().exclusive!.waitingFor.join(', ')}`);
    const backoff = holders.length === 0 ? Math.floor(Math.random() * 5 * settleMs) : 0;
    await waitUntil(ctx, ctx.clock.now() + recheckMs + backoff, { kind: 'plain', summary: `exclusive group ${group}: waiting for its holder` });
    progress.throwIfAborted();
  }
}
