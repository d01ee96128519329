// The release part of the rollout issue: once the flag-removal merge request is deployed everywhere, delete the flag.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import { durationToMs } from '../plan/duration-text-schema';
import { deploymentCheck } from './deployment-wait';
import { MERGE_REQUEST_REFERENCE_PATTERN } from './message-schemas';
import { RollbackRequested } from './rollback-requested';
import type { RolloutContext } from './rollout-context';
import { enter, gate, show, waitUntil } from './waits';

const { mergeRequestCommit, deleteFlag } = proxyActivities<RolloutActivities>({
  summary: 'cleanup',
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * After verification, for plans with `cleanup`: waits for the flag-removal merge request (the plan's, or one sent with
 * `rollout cleanup`) to be merged and its merge commit deployed to `cleanup.environments`, asks at gate `cleanup`, then
 * deletes the flag on every environment. The rollout has succeeded by then: a rejected or unanswered gate, or a
 * timeout, ends the cleanup with the flag kept — never a rollback. An abort still rolls back, as everywhere.
 */
export async function runCleanup(ctx: RolloutContext): Promise<void> {
  const { plan, progress } = ctx;
  const cleanup = plan.cleanup!;
  enter(progress, 'cleanup', `wait for the flag-removal merge request on ${cleanup.environments.join(', ')}, then delete ${plan.flag} everywhere`);
  const giveUpAt = () => progress.deadline('cleanup', durationToMs(cleanup.timeout)!);
  giveUpAt();
  const intervalMs = durationToMs(cleanup.interval)!;
  const stop = (why: string) => progress.record({ stage: 'cleanup', action: `cleanup not done, the flag is kept: ${why}` });

  // 1. The merge request, merged.
  let merged: { mr: string; commit: string } | null = null;
  while (merged === null) {
    const mr = progress.cleanupMr;
    let problem = mr ? `${mr} is not merged yet` : `no flag-removal merge request yet: send it with \`rollout cleanup ${plan.flag} --mr group/project!123\``;
    if (mr) {
      try {
        const commit = await mergeRequestCommit(mr);
        if (commit) merged = { mr, commit };
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        problem = `GitLab could not tell whether ${mr} is merged: ${error.cause?.message ?? error.message}`;
      }
    }
    if (merged) break;
    if (ctx.clock.now() >= giveUpAt()) return stop(`${problem} after ${cleanup.timeout}`);
    show(progress, `**cleanup** — ${problem}`);
    await waitUntil(ctx, Math.min(giveUpAt(), ctx.clock.now() + intervalMs), { kind: 'plain', summary: 'cleanup: waiting for the merge request', wake: () => progress.cleanupMr !== mr });
    progress.throwIfAborted();
  }

  // 2. Its merge commit, deployed everywhere.
  const project = MERGE_REQUEST_REFERENCE_PATTERN.exec(merged.mr)![1]!;
  const short = merged.commit.slice(0, 8);
  for (;;) {
    const status = await deploymentCheck(project, merged.commit, cleanup.environments, 'cleanup');
    progress.setDeployment(status);
    if (status.deployed) break;
    const why = status.problem ?? `not yet on ${status.environments.filter((e) => !e.deployed).map((e) => e.environment).join(', ')}`;
    if (ctx.clock.now() >= giveUpAt()) return stop(`${merged.mr} (${short}) is not deployed everywhere after ${cleanup.timeout} (${why})`);
    show(progress, `**cleanup** — waiting for ${merged.mr} (${short}): ${why}`);
    await waitUntil(ctx, Math.min(giveUpAt(), ctx.clock.now() + intervalMs), { kind: 'plain', summary: `cleanup: waiting for ${short} on ${cleanup.environments.join(', ')}` });
    progress.throwIfAborted();
  }
  progress.record({ stage: 'cleanup', action: `${merged.mr} (${short}) is deployed to ${cleanup.environments.join(', ')}` });

  // 3. Its own gate: a person says the flag may go.
  try {
    await gate(ctx, 'cleanup', `${merged.mr} is deployed everywhere; approve to delete ${plan.flag} on every environment, reject to keep it`);
  } catch (error) {
    if (error instanceof RollbackRequested && (error.rollbackCause === 'rejected' || error.rollbackCause === 'gate-deadline')) return stop(error.message);
    throw error;
  }

  // 4. feature delete on every environment (`--dev --staging --staging-ref --production`).
  for (const environment of [...plan.environments, 'production' as const]) {
    await deleteFlag({ flag: plan.flag, environment });
    progress.record({ stage: 'cleanup', action: 'deleted the flag', environment, gates: null });
  }
}
