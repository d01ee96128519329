// Malformed and unauthorised messages sent raw, the way people can send them, to a rollout on a real dev server and Redis.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { temporalCliPath } from '../stack/temporal-binaries';
import * as messages from '../workflows/messages';
import { REFUSALS_KEPT, type RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { replayRollouts, RUNNING_ROLLOUTS_QUERY } from '../worker/replay-running-rollouts';
import { mutatedWorkflowBundle } from './support/mutated-workflow-bundle';
import type Redis from 'ioredis';

const run = promisify(execFile);
const FLAG = 'route_hll_to_snowplow_phase3';
const WORKFLOW_ID = `rollout-${FLAG}`;
const ENVIRONMENTS: Environment[] = ['dev', 'staging', 'staging-ref', 'production'];

let stack: EmbeddedStack;
let connection: Connection;
let client: Client;
let redis: Redis;
let store: RedisFlagStore;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection });
  redis = createWorkerRedis(stack.config.redisUrl);
  store = new RedisFlagStore(redis);
  cli = cliRunner(stack.config, { unsigned: true });
  planFile = join(mkdtempSync(join(tmpdir(), 'rollout-messages-')), 'plan.yaml');
  writeFileSync(
    planFile,
    ['requester: carol', 'approvers: [alice, bob]', 'operators: [sre-oncall]', 'ramp: { steps: [50, 100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 10m', 'signing: { mode: keyless }', ''].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await connection?.close();
  await stack?.stop();
});

const status = () => client.workflow.getHandle(WORKFLOW_ID).query(messages.status);
const until = async (ok: (s: RolloutStatus) => boolean, what: string) => (await pollUntil(status, ok, { what, timeoutMs: 30_000, intervalMs: 100 })).value;

async function gatesEverywhere(): Promise<Record<string, FlagGates | null>> {
  return Object.fromEntries(await Promise.all(ENVIRONMENTS.map(async (env) => [env, await store.get(FLAG, env)] as const)));
}

/** `temporal workflow signal` with raw JSON, as an operator would type it. */
async function temporalSignal(name: string, input?: string): Promise<void> {
  const args = ['workflow', 'signal', '--address', stack.config.temporal.address, '--workflow-id', WORKFLOW_ID, '--name', name];
  if (input !== undefined) args.push('--input', input);
  await run(temporalCliPath(), args);
}

/** A signal with a payload in an encoding the SDK does not know, straight through the gRPC API. */
async function rawSignal(name: string, encoding: string, data: string): Promise<void> {
  const encode = (text: string) => new TextEncoder().encode(text);
  await client.workflowService.signalWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: WORKFLOW_ID },
    signalName: name,
    input: { payloads: [{ metadata: { encoding: encode(encoding) }, data: encode(data) }] },
    identity: 'e2e-messages test',
  });
}

const forged = 'mallory\n\u001b[32m2026-11-30T00:00:00.000Z  staging-qa  approved  by alice\u001b[0m';
const huge = 'x'.repeat(1_000_000);

/** Each raw message and what its refusal must say. */
const MALFORMED: [string, unknown[], RegExp][] = [
  ['approve', [], /no payload/],
  ['approve', [null], /must be one JSON object/],
  ['approve', [5], /got a number/],
  ['approve', ['staging-qa'], /got a string/],
  ['approve', [[]], /got a list/],
  ['approve', [{}], /gate: is required.*by: is required/],
  ['approve', [{ gate: 'staging-qa' }], /by: is required/],
  ['approve', [{ by: 'alice' }], /gate: is required/],
  ['approve', [{ gate: 'staging-qa', by: null }], /by: must be a GitLab username/],
  ['approve', [{ gate: 'staging-qa', by: 5 }], /by: must be a GitLab username/],
  ['approve', [{ gate: 'prod', by: 'alice' }], /gate: must be one of/],
  ['approve', [{ gate: 'production-qa', by: 'alice' }], /gate production-qa is not pending/],
  ['approve', [{ gate: 'staging-qa', by: 'carol' }], /carol requested this rollout/],
  ['approve', [{ gate: 'staging-qa', by: 'CAROL' }], /CAROL requested this rollout/],
  ['approve', [{ gate: 'staging-qa', by: 'mallory' }], /mallory is not an approver/],
  ['approve', [{ gate: 'staging-qa', by: 'sre-oncall' }], /sre-oncall is not an approver/],
  ['approve', [{ gate: 'staging-qa', by: forged }], /by: must be a GitLab username/],
  ['approve', [{ gate: 'staging-qa', by: huge }], /at most 255 characters/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', comment: huge }], /comment: is too long/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', comment: 'fine\u001b[2J' }], /comment: contains control characters/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', comment: 'ok \u202Edesrever' }], /comment: contains control characters/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', comment: 5 }], /comment: must be text/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', confirmed: 5 }], /confirmed: must be a list/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', confirmed: {} }], /confirmed: must be a list/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', confirmed: ['qa'] }], /must be a readiness item/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', comments: 'typo' }], /unknown field "comments"/],
  ['approve', [{ gate: 'staging-qa', by: 'alice', id: 'has space' }], /id: must be/],
  ['approve', [{ gate: 'staging-qa', by: 'alice' }, { gate: 'staging-qa', by: 'bob' }], /2 payloads/],
  ['reject', [null], /must be one JSON object/],
  ['reject', [{}], /reason: is required/],
  ['reject', [{ gate: 'staging-qa', by: 'alice' }], /reason: is required/],
  ['reject', [{ gate: 'staging-qa', by: 'alice', reason: '' }], /reason: is required/],
  ['reject', [{ gate: 'staging-qa', by: 'alice', reason: 5 }], /reason: must be text/],
  ['reject', [{ gate: 'staging-qa', by: 'alice', reason: 'line\nbreak' }], /reason: contains control characters/],
  ['reject', [{ gate: 'staging-qa', by: 'alice', reason: huge }], /reason: is too long/],
  ['reject', [{ gate: 'staging-qa', by: 'mallory', reason: 'no' }], /mallory is not an approver/],
  ['reject', [{ gate: 'global-readiness', by: 'alice', reason: 'no' }], /not pending/],
  ['abort', [], /no payload/],
  ['abort', [null], /must be one JSON object/],
  ['abort', [{}], /by: is required.*reason: is required/],
  ['abort', [{ by: 'alice' }], /reason: is required/],
  ['abort', [{ reason: 'because' }], /by: is required/],
  ['abort', [{ by: 'mallory', reason: 'just because' }], /mallory may not abort this rollout/],
  ['abort', [{ by: 'alice', reason: huge }], /reason: is too long/],
  ['abort', [{ by: forged, reason: 'x' }], /by: must be a GitLab username/],
  ['aprove', [{ gate: 'staging-qa', by: 'alice' }], /unknown message "aprove"; this workflow takes approve, reject, abort, pause, resume/],
  ['APPROVE', [{ gate: 'staging-qa', by: 'alice' }], /unknown message "APPROVE"/],
  ['x'.repeat(500), [{}], /unknown message "x{10,}…"/],
];

describe('a rollout at a gate, flooded with malformed messages', () => {
  let before: Record<string, FlagGates | null>;
  let sent = 0;

  it('refuses and records every malformed message, and stays at its gate', async () => {
    await store.apply(FLAG, 'production', { kind: 'actors', actors: ['user:early-adopter'] });
    before = await gatesEverywhere();
    expect((await cli('start', FLAG, '--plan', planFile)).code).toBe(0);
    await until((s) => s.pendingGate === 'staging-qa', 'staging-qa');

    const handle = client.workflow.getHandle(WORKFLOW_ID);
    for (const [name, args] of MALFORMED) await handle.signal(name, ...args);
    await rawSignal('approve', 'binary/foo', '{"gate":"staging-qa","by":"alice"}');
    await rawSignal('abort', 'json/plain', '{"by": "alice", "reason": ');
    await temporalSignal('approve', 'null');
    await temporalSignal('approve', '{"gate":"staging-qa","by":"alice","comment":"QA\\u001b[31m passed"}');
    await temporalSignal('abort', '{"by":"mallory","reason":"via temporal workflow signal"}');
    sent = MALFORMED.length + 5;
    expect(sent).toBeGreaterThanOrEqual(50);

    const after = await until((s) => s.refusedCount === sent, `${sent} refusals`);
    expect(after.state).toBe('awaiting-approval');
    expect(after.pendingGate).toBe('staging-qa');
    expect(after.refused).toHaveLength(Math.min(sent, REFUSALS_KEPT));
    // The kept refusals are the last ones, each with the reason its message deserved.
    const expected = [
      ...MALFORMED.map(([, , reason]) => reason),
      /could not be decoded \(encoding "binary\/foo": Unknown encoding: binary\/foo\)/,
      /could not be decoded \(encoding "json\/plain"/,
      /must be one JSON object/,
      /comment: contains control characters/,
      /mallory may not abort this rollout/,
    ].slice(-REFUSALS_KEPT);
    after.refused.forEach((refusal, i) => expect(refusal.reason).toMatch(expected[i]!));
    // Names, gates and text are cut and escaped before they are stored; nothing huge is kept.
    expect(JSON.stringify(after).length).toBeLessThan(100_000);
    for (const refusal of after.refused) {
      expect(refusal.signal.length).toBeLessThanOrEqual(64);
      expect(refusal.by?.length ?? 0).toBeLessThanOrEqual(64);
      expect(refusal.reason.length).toBeLessThanOrEqual(1000);
    }
    expect(await gatesEverywhere()).toMatchObject({ dev: { boolean: true }, staging: { boolean: true }, 'staging-ref': { boolean: true }, production: before.production });
  });

  it('replays with this code (`npm run replay`), and a change that would break it is caught before deploying', async () => {
    const { stdout } = await run('npx', ['tsx', 'worker/replay-main.ts', '--address', stack.config.temporal.address], { cwd: resolve(__dirname, '..') });
    expect(stdout).toContain(`replays ${WORKFLOW_ID}`);
    expect(stdout).toContain('1 of 1 replay with this code');
    const broken = await mutatedWorkflowBundle('rollout-stages.ts', "await step(ctx, 'staging-qa', async () => void (await gate(ctx, 'staging-qa')));", '');
    const outcomes = await replayRollouts(client, RUNNING_ROLLOUTS_QUERY, broken);
    expect(outcomes).toEqual([{ workflowId: WORKFLOW_ID, error: expect.stringMatching(/[Nn]ondeterminism/) as string }]);
  });

  it('prints whatever was sent as inert text in `rollout status`', async () => {
    const out = await cli('status', FLAG);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    // The forged approval in a `by` never becomes a line of its own.
    expect(out.stdout.split('\n').some((line) => /^\s*\S+\s+staging-qa\s+approved\s+by alice/.test(line))).toBe(false);
    expect(out.stdout).toMatch(/refused messages \(\d+, the last 50 shown\)/);
  });

  it('still moves on a valid approve sent as a signal (as the UI and `temporal workflow signal` do)', async () => {
    await temporalSignal('approve', '{"gate":"staging-qa","by":"alice","comment":"QA passed on staging"}');
    const moved = await until((s) => s.pendingGate === 'production-qa', 'production-qa');
    expect(moved.steps.find((s) => s.gate === 'staging-qa' && s.action === 'approved')).toMatchObject({ by: 'alice', comment: 'QA passed on staging' });
  });

  it('answers refused updates synchronously without recording them in history', async () => {
    const refused = await cli('approve', FLAG, '--gate', 'production-qa', '--by', 'carol');
    expect(refused).toMatchObject({ code: 3 });
    expect(refused.stderr).toMatch(/refused: carol requested this rollout and cannot approve it/);
    const stranger = await cli('abort', FLAG, '--by', 'mallory', '--reason', 'curious');
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toMatch(/mallory may not abort this rollout/);
    const usage = await cli('reject', FLAG, '--gate', 'production-qa', '--by', 'alice', '--reason', 'two\nlines');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/reason: contains control characters/);
    const history = await client.workflow.getHandle(WORKFLOW_ID).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    expect((await status()).pendingGate).toBe('production-qa');
  });

  it('restores every environment on a valid abort from an operator, and closes as a failed workflow', async () => {
    const aborted = await cli('abort', FLAG, '--by', 'sre-oncall', '--reason', 'checking the safety net');
    expect(aborted).toMatchObject({ code: 0, stdout: 'abort by sre-oncall taken; rolling back\n' });
    const handle = client.workflow.getHandle(WORKFLOW_ID);
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'RolloutRolledBack' } });
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(await gatesEverywhere()).toEqual(before);
    const final = await cli('status', FLAG, '--json');
    expect(JSON.parse(final.stdout)).toMatchObject({ state: 'rolled-back', outcome: { cause: 'aborted', by: 'sre-oncall' }, refusedCount: sent + 0 });
  });
});
