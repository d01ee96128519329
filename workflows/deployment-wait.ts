// Waits until the plan's merge commit is deployed where a part of the rollout acts, asking a person after a timeout.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import { durationToMs } from '../plan/duration-text-schema';
import type { RolloutContext } from './rollout-context';
import type { DeploymentStatus } from './rollout-status';
import { gate, show, waitUntil } from './waits';

const { deploymentStatus } = proxyActivities<RolloutActivities>({
  summary: 'is the merge commit deployed?',
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '1m', maximumAttempts: 3 },
});

/**
 * Before the non-production stage and before the first production change: re-checks every `deployment.interval` until
 * each named GitLab environment's latest successful deployment contains the commit; after `deployment.timeout` it
 * asks at gate `deployment` (approve: go on without it; reject: roll back). A plan without a commit skips this and says so.
 */
export async function awaitDeployed(ctx: RolloutContext, phase: DeploymentStatus['phase']): Promise<void> {
  const { plan, progress } = ctx;
  const deployment = plan.deployment;
  const stage = progress.stage;
  if (!deployment) {
    progress.record({ stage, action: `deployment check before ${phase} skipped: the plan names no merge commit` });
    return;
  }
  const environments = phase === 'production' ? deployment.environments.production : deployment.environments.nonProduction;
  const short = deployment.commit.slice(0, 8);
  if (environments.length === 0) {
    progress.record({ stage, action: `deployment check before ${phase} skipped: the plan names no environment for it` });
    return;
  }
  const giveUpAt = () => progress.deadline(`deploy:${phase}`, durationToMs(deployment.timeout)!);
  giveUpAt();
  for (;;) {
    const status = await deploymentCheck(deployment.project, deployment.commit, environments, phase);
    progress.setDeployment(status);
    if (status.deployed) {
      progress.record({ stage, action: `merge commit ${short} is deployed to ${environments.join(', ')}` });
      return;
    }
    const pending = status.environments.filter((e) => !e.deployed).map((e) => e.environment);
    const why = status.problem ?? `not yet on ${pending.join(', ')}`;
    if (ctx.clock.now() >= giveUpAt()) {
      await gate(ctx, 'deployment', `merge commit ${short} is not confirmed deployed before ${phase} after ${deployment.timeout} (${why}); approve to go on anyway, reject to roll back`);
      return;
    }
    show(progress, `**waiting for the deployment** of ${short} before ${phase}: ${why}`);
    await waitUntil(ctx, Math.min(giveUpAt(), ctx.clock.now() + durationToMs(deployment.interval)!), { kind: 'plain', summary: `waiting for ${short} on ${environments.join(', ')}` });
    progress.throwIfAborted();
  }
}

/** One check that `commit` of `project` is deployed to `environments`; a failure to tell is reported as not deployed. */
export async function deploymentCheck(project: string, commit: string, environments: string[], phase: DeploymentStatus['phase']): Promise<DeploymentStatus> {
  const checkedAt = new Date(Date.now()).toISOString();
  try {
    const result = await deploymentStatus({ project, commit, environments });
    return { phase, commit, checkedAt, deployed: result.deployed, environments: result.environments.map(({ environment, deployed, sha }) => ({ environment, deployed, sha })) };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const problem = `GitLab could not tell: ${error.cause?.message ?? error.message}`;
    return { phase, commit, checkedAt, deployed: false, environments: environments.map((environment) => ({ environment, deployed: false, sha: null })), problem };
  }
}
