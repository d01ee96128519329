// Exclusive groups on a real dev server: a second rollout of the group waits for the first to end, or is refused with --no-wait.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

let stack: EmbeddedStack;
let connection: Connection;
let rollouts: RolloutClient;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
  cli = cliRunner(stack.config, { unsigned: true });
  planFile = join(mkdtempSync(join(tmpdir(), 'rollout-exclusive-')), 'plan.yaml');
  writeFileSync(
    planFile,
    ['exclusive: snowplow-routing', 'requester: carol', 'ramp: { steps: [100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'signing: { mode: keyless }', ''].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
});

const until = async (flag: string, ok: (s: RolloutStatus) => boolean, what: string) =>
  (await pollUntil(() => rollouts.status(flag), ok, { what, timeoutMs: 30_000, intervalMs: 200 })).value;

it('runs one rollout of a group at a time: the second waits, says for whom, and starts once the first has ended', async () => {
  expect(await cli('start', 'first_routing_flag', '--plan', planFile)).toMatchObject({ code: 0 });
  const first = await until('first_routing_flag', (s) => s.pendingGate === 'staging-qa', 'the first at staging-qa');
  expect(first.exclusive).toEqual({ group: 'snowplow-routing', holds: true, waitingFor: [] });

  const refused = await cli('start', 'refused_routing_flag', '--plan', planFile, '--no-wait');
  expect(refused).toMatchObject({ code: 3, stderr: expect.stringMatching(/exclusive group snowplow-routing is held by rollout-first_routing_flag/) as unknown });

  expect(await cli('start', 'second_routing_flag', '--plan', planFile)).toMatchObject({ code: 0 });
  const waiting = await until('second_routing_flag', (s) => (s.exclusive?.waitingFor.length ?? 0) > 0, 'the second waiting');
  expect(waiting.exclusive).toEqual({ group: 'snowplow-routing', holds: false, waitingFor: ['rollout-first_routing_flag'] });
  expect(waiting.steps.some((s) => s.stage === 'non-production' && s.environment !== undefined)).toBe(false);
  expect((await cli('feature', 'get', 'second_routing_flag', '--json')).stdout).not.toMatch(/"boolean": true/);

  expect(await cli('abort', 'first_routing_flag', '--by', 'carol', '--reason', 'make room')).toMatchObject({ code: 0 });
  const second = await until('second_routing_flag', (s) => s.pendingGate === 'staging-qa', 'the second at staging-qa');
  expect(second.exclusive).toEqual({ group: 'snowplow-routing', holds: true, waitingFor: [] });
  expect(second.steps.map((s) => s.action)).toEqual(expect.arrayContaining(['waits for rollout-first_routing_flag (exclusive group snowplow-routing)', 'holds the exclusive group snowplow-routing']));
  expect(await cli('abort', 'second_routing_flag', '--by', 'carol', '--reason', 'end of test')).toMatchObject({ code: 0 });
});
