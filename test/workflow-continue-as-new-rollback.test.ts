// A 3-day verification at 1-minute checks that breaches after several continue-as-new runs: the restore uses the carried state.
import type { FlagGates } from '../flags/flag-gates';
import { HISTORY_EVENTS_PER_RUN_LIMIT } from '../workflows/continue-as-new';
import { continueAsNewChain } from './support/continue-as-new-chain';
import { recordHistory } from './support/record-history';
import { startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;

beforeAll(async () => {
  h = await startTimeSkippingHarness();
});

afterAll(async () => {
  await h?.close();
});

const PRIOR: FlagGates = { boolean: null, actors: ['user:early-adopter'], groups: [], percentageOfActors: null, percentageOfTime: 3 };

it('verifies for 3 days at a 1-minute interval, breaches after several runs, and restores exactly the gates from before', async () => {
  const flag = 'three_day_breach_flag';
  await h.store.apply(flag, 'production', { kind: 'restore', gates: PRIOR });
  await h.store.apply(flag, 'staging', { kind: 'percentage', gate: 'percentageOfTime', value: 20 });
  const before = { dev: await h.store.get(flag, 'dev'), staging: await h.store.get(flag, 'staging'), production: await h.store.get(flag, 'production') };
  const handle = await h.start({ flag, ramp: { steps: [50, 100], soak: '1m' }, verification: '3d', guard: { interval: '1m', minSample: 0 } } as never);
  await h.passGates(handle);
  const verifying = await h.skipUntil(handle, (s) => s.stage === 'verification' && s.run >= 3, 'verification in run 3 or later', { step: '4h', limit: '48h' });
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
  const chain = await continueAsNewChain(h.env.client, handle);
  for (const run of chain) expect(run.events).toBeLessThan(HISTORY_EVENTS_PER_RUN_LIMIT);
  // The corpus keeps the first run (ends in continue-as-new), the second (resumes from a snapshot) and the last.
  await recordHistory('continue-as-new-then-breach', handle, { runIds: [chain[0]!.runId, chain[1]!.runId, chain.at(-1)!.runId] });
}, 600_000);
