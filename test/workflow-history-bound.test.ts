// A 7-day inconclusive wait at a 1-minute interval on the time-skipping server: every run stays under 5,000 events.
import * as messages from '../workflows/messages';
import { HISTORY_EVENTS_PER_RUN_LIMIT } from '../workflows/continue-as-new';
import { continueAsNewChain } from './support/continue-as-new-chain';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});

it('waits 7 days for traffic at a 1-minute interval, asks at volume-review, then completes: every run under 5,000 events', async () => {
  const flag = 'seven_day_quiet_flag';
  const plan = { flag, ramp: { steps: [10, 100], soak: '1m' }, verification: '1h', guard: { interval: '1m', inconclusiveWait: '7d' } };
  const handle = await h.start(plan as never);
  await h.passGates(handle);
  // No traffic at all: 10,080 inconclusive re-reads, then the question. Skipped in 5 h steps: one 170 h call can last
  // long enough on a loaded machine for the connection to be reset, and a retried call skips time twice.
  const held = await h.skipUntil(handle, pendingGateIs('volume-review'), 'volume-review after 7 days', { step: '5h', limit: '175h' });
  expect(held.pendingGateReason).toMatch(/guard inconclusive after 7d/);
  expect(held.guard.checks).toBeGreaterThanOrEqual(7 * 24 * 60);
  expect(held.run).toBeGreaterThan(10);
  await h.signal(handle, messages.approve, { gate: 'volume-review', by: 'bob', comment: 'quiet week; go on' });
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  const chain = await continueAsNewChain(h.env.client, handle);
  expect(chain.length).toBe(result.run);
  for (const run of chain) expect(run.events).toBeLessThan(HISTORY_EVENTS_PER_RUN_LIMIT);
  // The state handed from run to run does not grow with time: the last run starts with no more than the second.
  expect(chain.at(-1)!.inputBytes).toBeLessThan(chain[1]!.inputBytes * 1.5);
}, 600_000);
