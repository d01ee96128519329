// Long plans on the time-skipping server: every run stays under 5,000 history events by continuing-as-new with its state.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { FlagGates } from '../flags/flag-gates';
import * as messages from '../workflows/messages';
import type { rolloutWorkflow } from '../workflows/rollout-workflow';
import { recordHistory } from './support/record-history';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});

const MAX_EVENTS_PER_RUN = 5000;
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof rolloutWorkflow>;

/** Every run of the rollout, following continue-as-new from the first run: its event count and input size. */
async function runs(handle: Handle): Promise<{ runId: string; events: number; inputBytes: number }[]> {
  const chain: { runId: string; events: number; inputBytes: number }[] = [];
  let runId: string | null | undefined = handle.firstExecutionRunId;
  while (runId) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    chain.push({ runId, events: events.length, inputBytes: input });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return chain;
}

const PRIOR: FlagGates = { boolean: null, actors: ['user:early-adopter'], percentageOfActors: null, percentageOfTime: 3 };

it('waits 7 days for traffic at a 1-minute interval, asks at volume-review, then completes: every run under 5,000 events', async () => {
  const flag = 'seven_day_quiet_flag';
  const plan = { flag, ramp: { steps: [10, 100], soak: '1m' }, verification: '1h', guard: { interval: '1m', inconclusiveWait: '7d' } };
  const handle = await h.start(plan as never);
  await h.passGates(handle);
  await h.env.sleep('170h'); // no traffic at all: 10,080 inconclusive re-reads, then the question
  const held = await h.waitFor(handle, pendingGateIs('volume-review'), 'volume-review after 7 days');
  expect(held.pendingGateReason).toMatch(/guard inconclusive after 7d/);
  expect(held.guard.checks).toBeGreaterThanOrEqual(7 * 24 * 60);
  expect(held.run).toBeGreaterThan(10);
  await handle.signal(messages.approve, { gate: 'volume-review', by: 'bob', comment: 'quiet week; go on' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  const chain = await runs(handle);
  expect(chain.length).toBe(result.run);
  for (const run of chain) expect(run.events).toBeLessThan(MAX_EVENTS_PER_RUN);
  // The state handed from run to run does not grow with time: the last run starts with no more than the second.
  expect(chain.at(-1)!.inputBytes).toBeLessThan(chain[1]!.inputBytes * 1.5);
}, 600_000);

it('verifies for 3 days at a 1-minute interval, breaches after several runs, and restores exactly the gates from before', async () => {
  const flag = 'three_day_breach_flag';
  await h.store.apply(flag, 'production', { kind: 'restore', gates: PRIOR });
  await h.store.apply(flag, 'staging', { kind: 'percentage', gate: 'percentageOfTime', value: 20 });
  const before = { dev: await h.store.get(flag, 'dev'), staging: await h.store.get(flag, 'staging'), production: await h.store.get(flag, 'production') };
  const handle = await h.start({ flag, ramp: { steps: [50, 100], soak: '1m' }, verification: '3d', guard: { interval: '1m', minSample: 0 } } as never);
  await h.passGates(handle);
  await h.env.sleep('2d');
  const verifying = await h.waitFor(handle, (s) => s.stage === 'verification' && s.run >= 3, 'verification in run 3 or later');
  expect(await h.store.get(flag, 'production')).toMatchObject({ boolean: true, percentageOfActors: 100 });
  // The change records the store keeps for 90 days are gone: the rollback must restore from its own copy.
  const records = await h.redis.keys('flipper:change:rollout-three_day_breach_flag/*');
  expect(records.length).toBeGreaterThan(0);
  await h.redis.del(...records);
  await h.setVolume(flag, 10_000_001);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('rolled-back');
  expect(result.outcome).toMatchObject({ cause: 'guard-breach' });
  expect(result.run).toBeGreaterThanOrEqual(verifying.run);
  // Restored from the state carried through every continue-as-new.
  expect({ dev: await h.store.get(flag, 'dev'), staging: await h.store.get(flag, 'staging'), production: await h.store.get(flag, 'production') }).toEqual(before);
  const chain = await runs(handle);
  for (const run of chain) expect(run.events).toBeLessThan(MAX_EVENTS_PER_RUN);
  // The corpus keeps the first run (ends in continue-as-new), the second (resumes from a snapshot) and the last.
  await recordHistory('continue-as-new-then-breach', handle, { runIds: [chain[0]!.runId, chain[1]!.runId, chain.at(-1)!.runId] });
}, 600_000);
