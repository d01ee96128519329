// The forward path of a rollout, stage by stage as the rollout issue lists them; resumable after continue-as-new.
import { condition, patched } from '@temporalio/workflow';
import { productionActorIds } from '../flags/actor-id';
import { durationToMs } from '../plan/duration-text-schema';
import { nextRampPercentage, rampRateWindowMs } from '../volume/guard-cadence';
import type { AppliedChange } from '../flags/flag-store';
import { awaitChangeAllowed } from './change-control';
import { ANNOUNCEMENTS } from './patches';
import { runCleanup } from './cleanup-stage';
import { awaitDeployed } from './deployment-wait';
import { awaitExclusiveGroup } from './exclusive-group';
import type { RolloutContext } from './rollout-context';
import type { StepRecord } from './rollout-status';
import { enter, gate, holdIfPaused, waitUntil } from './waits';

/**
 * Runs `fn` unless step `id` is already done (it was, in an earlier run), then marks it done; a paused rollout holds
 * before it. A step interrupted by continue-as-new runs again in the next run and resumes its waits from the ends kept
 * in the state.
 */
async function step(ctx: RolloutContext, id: string, fn: () => Promise<void>): Promise<void> {
  if (ctx.progress.isDone(id)) return;
  await holdIfPaused(ctx);
  await fn();
  ctx.progress.markDone(id);
}

export async function runStages(ctx: RolloutContext): Promise<void> {
  const { plan, progress, flags, guard } = ctx;

  // Only one rollout of an exclusive group at a time (plans without a group skip this at once).
  if (plan.exclusive) await step(ctx, 'exclusive', () => awaitExclusiveGroup(ctx));

  await step(ctx, 'deploy:non-production', () => awaitDeployed(ctx, 'non-production'));

  await step(ctx, 'non-production', async () => {
    enter(progress, 'non-production', `enable ${plan.flag} on ${plan.environments.join(', ')}`);
    for (const environment of plan.environments) {
      const applied = await flags.apply(environment, { kind: 'boolean', value: true }, `enable ${plan.flag} on ${environment}`);
      progress.record({ stage: 'non-production', action: 'enabled globally', environment, ...gatesOf(applied) });
    }
  });

  await step(ctx, 'staging-qa', async () => void (await gate(ctx, 'staging-qa')));

  await step(ctx, 'deploy:production', () => awaitDeployed(ctx, 'production'));

  await step(ctx, 'production-actors', async () => {
    const actors = productionActorIds(plan.production.actors);
    enter(progress, 'production-actors', `enable ${plan.flag} on production for ${actors.length} actors`);
    if (actors.length > 0) {
      await awaitChangeAllowed(ctx, `enable ${plan.flag} for ${actors.length} actors on production`);
      const applied = await flags.apply('production', { kind: 'actors', actors }, `enable ${plan.flag} for ${actors.length} actors on production`);
      progress.record({ stage: 'production-actors', action: 'enabled for actors', environment: 'production', actors, ...gatesOf(applied) });
    } else {
      progress.record({ stage: 'production-actors', action: 'skipped: the plan names no production actors' });
    }
    // From here on the flag is on for production traffic: the guard watches in every wait.
    guard.startWatching();
  });

  await step(ctx, 'production-qa', async () => void (await gate(ctx, 'production-qa')));
  await step(ctx, 'global-readiness', async () => void (await gate(ctx, 'global-readiness')));

  const percentageGate = plan.ramp.type === 'actors' ? 'percentageOfActors' : 'percentageOfTime';
  const soakMs = durationToMs(plan.ramp.soak) ?? 0;
  // The rate is measured over the soak (or one guard interval when there is no soak).
  const windowMs = rampRateWindowMs(soakMs, durationToMs(plan.guard.interval)!);
  const steps = plan.ramp.steps;
  await step(ctx, 'ramp:announce', () => {
    // The rollout issue announces the global enable before it happens; rollouts recorded before do not.
    if (patched(ANNOUNCEMENTS)) {
      const eta = new Date(ctx.clock.now() + steps.length * soakMs).toISOString();
      progress.notice('global-eta', `the ramp of ${plan.flag} starts now (${steps.join(' → ')} %); the global enable is expected at ${eta} at the earliest`, { deadline: eta });
      ctx.view.refresh();
    }
    return Promise.resolve();
  });
  for (const [index, percentage] of steps.entries()) {
    await step(ctx, `ramp:${index}:set`, async () => {
      enter(progress, 'ramp', `${percentage}% of ${plan.ramp.type} on production; soak ${plan.ramp.soak}`);
      await awaitChangeAllowed(ctx, `set ${plan.flag} to ${percentage}% of ${plan.ramp.type} on production`);
      const applied = await flags.apply(
        'production',
        { kind: 'percentage', gate: percentageGate, value: percentage },
        `set ${plan.flag} to ${percentage}% of ${plan.ramp.type} on production`,
      );
      progress.setPercentage(percentage);
      progress.record({ stage: 'ramp', action: `set ${percentage}% of ${plan.ramp.type}`, environment: 'production', percentage, ...gatesOf(applied) });
    });
    await step(ctx, `ramp:${index}:soak`, async () => {
      const summary = `soak at ${percentage}%`;
      if (guard.watchesEveryInterval) await waitUntil(ctx, () => progress.deadline(`ramp:${index}:soak`, soakMs), { kind: 'soak', summary, endsWithCheck: true });
      // Rollouts recorded before the guard watched soaks waited on one plain timer.
      else await condition(() => progress.abortRequested, plan.ramp.soak, { summary });
      progress.throwIfAborted();
    });
    await step(ctx, `ramp:${index}:clear`, async () => {
      // The global enable that follows the last step is a step to 100% too.
      const next = nextRampPercentage(steps, index);
      if (next === null) await guard.check(percentage, null, windowMs);
      else await guard.clearNextStep(ctx, `ramp:${index}:clear`, percentage, next, windowMs);
    });
  }

  await step(ctx, 'global', async () => {
    enter(progress, 'global', `enable ${plan.flag} globally on production`);
    await awaitChangeAllowed(ctx, `enable ${plan.flag} globally on production`);
    const applied = await flags.apply('production', { kind: 'boolean', value: true }, `enable ${plan.flag} globally on production`);
    progress.setPercentage(100);
    progress.record({ stage: 'global', action: 'enabled globally', environment: 'production', ...gatesOf(applied) });
  });

  await step(ctx, 'verification', async () => {
    enter(progress, 'verification', `verification for ${plan.verification}, guard every ${plan.guard.interval}`);
    const ends = () => progress.deadline('verification', durationToMs(plan.verification)!);
    await waitUntil(ctx, ends, { kind: 'verification', summary: 'verification: until the next volume check', endsWithCheck: true });
    progress.throwIfAborted();
    await guard.finalCheck(ctx);
    progress.record({ stage: 'verification', action: `verified for ${plan.verification}` });
  });

  // The release part of the issue, for plans that ask for it.
  if (plan.cleanup) await step(ctx, 'cleanup', () => runCleanup(ctx));
}

/** The gates before and after a change, for the step record (the report shows before → after per environment). */
function gatesOf(applied: AppliedChange): Pick<StepRecord, 'before' | 'gates'> {
  return { before: applied.previous, gates: applied.current };
}
