// Signed decisions end to end on a real dev server: the CLI signs with each person's key, the workflow verifies and refuses the rest.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { RolloutClient } from '../client/rollout-client';
import { signedDecisionOf } from '../signing/decision-signature';
import { generateKeyFiles, type GeneratedKey } from '../signing/key-directory';
import { newNonce, signDecision } from '../signing/sign-decision';
import { readSigningKey } from '../signing/signing-key';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { MessageKind, MessagePayloads } from '../workflows/message-schemas';
import type { RolloutStatus } from '../workflows/rollout-status';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

let stack: EmbeddedStack;
let connection: Connection;
let rollouts: RolloutClient;
let cli: (...argv: string[]) => Promise<CliResult>;
let keys: Record<'alice' | 'bob' | 'carol', GeneratedKey>;
let planFile: string;
let keyringFile: string;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
  cli = cliRunner(stack.config);
  const dir = mkdtempSync(join(tmpdir(), 'rollout-signed-'));
  keys = { alice: generateKeyFiles(dir, 'alice'), bob: generateKeyFiles(dir, 'bob'), carol: generateKeyFiles(dir, 'carol') };
  keyringFile = join(dir, 'keyring.yaml');
  writeFileSync(keyringFile, `keys:\n${Object.entries(keys).map(([name, key]) => `  ${name}: "${key.publicKeyText}"`).join('\n')}\n`);
  planFile = join(dir, 'plan.yaml');
  writeFileSync(planFile, ['requester: carol', 'approvers: [alice, bob]', 'ramp: { steps: [100], soak: 1s }', 'verification: 2s', 'guard: { interval: 1s, minSample: 0 }', 'approvalTimeout: 10m', ''].join('\n'));
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
});

const status = (flag: string): Promise<RolloutStatus> => rollouts.status(flag);
const until = async (flag: string, ok: (s: RolloutStatus) => boolean, what: string) =>
  (await pollUntil(() => status(flag), ok, { what, timeoutMs: 20_000, intervalMs: 100 })).value;

/** A payload signed by `signer`'s key; `signed` overrides the fields the signature covers (to sign something else). */
function signedPayload<K extends MessageKind>(kind: K, flag: string, run: string, payload: MessagePayloads[K], signer: keyof typeof keys, signed: Partial<MessagePayloads[K]> & { run?: string } = {}) {
  const stamp = { signedAt: new Date().toISOString(), nonce: newNonce() };
  const { run: signedRun = run, ...fields } = signed;
  const value = signDecision(signedDecisionOf(kind, { flag, run: signedRun }, { ...payload, ...fields }, stamp), readSigningKey(keys[signer].privateKey).privateKey);
  return { ...payload, signature: { ...stamp, value } };
}

async function startAtStagingQa(flag: string): Promise<{ handle: WorkflowHandle; run: string }> {
  expect(await cli('start', flag, '--plan', planFile, '--keyring', keyringFile)).toMatchObject({ code: 0 });
  await until(flag, (s) => s.pendingGate === 'staging-qa', 'staging-qa');
  const handle = rollouts.handle(flag);
  const run = (await handle.describe()).runId;
  return { handle, run };
}

it('refuses to start a signed plan whose approvers have no key', async () => {
  const started = await cli('start', 'keyless_people_flag', '--plan', planFile);
  expect(started.code).toBe(2);
  expect(started.stderr).toMatch(/no public key for approvers alice, bob.*--keyring/);
});

it('takes a decision signed with the sender\'s key and refuses unsigned, wrong-key, wrong-gate, wrong-run and replayed ones', async () => {
  const flag = 'signed_flag';
  const { handle, run } = await startAtStagingQa(flag);

  // The CLI: unsigned and wrong key are refused with the reason; alice's own key is taken.
  const unsigned = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--unsigned');
  expect(unsigned).toMatchObject({ code: 3, stderr: expect.stringMatching(/unsigned: this rollout takes only decisions signed/) as unknown });
  const wrongKey = await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--key', keys.bob.privateKey);
  expect(wrongKey).toMatchObject({ code: 3, stderr: expect.stringMatching(/does not verify with alice's public key/) as unknown });

  // Signals as the UI or `temporal workflow signal` would send them, each recorded as refused: signed for another gate,
  // signed for another run, unsigned.
  await handle.signal('approve', signedPayload('approve', flag, run, { gate: 'staging-qa', by: 'alice' }, 'alice', { gate: 'production-qa' }));
  await handle.signal('approve', signedPayload('approve', flag, run, { gate: 'staging-qa', by: 'alice' }, 'alice', { run: 'some-other-run' }));
  await handle.signal('approve', { gate: 'staging-qa', by: 'alice' });
  const refused = await until(flag, (s) => s.refusedCount === 3, 'three refused signals');
  expect(refused.pendingGate).toBe('staging-qa');
  expect(refused.refused.map((r) => r.reason)).toEqual([
    expect.stringMatching(/does not verify with alice's public key/),
    expect.stringMatching(/does not verify with alice's public key/),
    expect.stringMatching(/^unsigned/),
  ]);

  // A pause signed by the requester is taken once; the same message sent again is a replay.
  const pause = signedPayload('pause', flag, run, { by: 'carol', reason: 'checking a dashboard' }, 'carol');
  await handle.signal('pause', pause);
  await until(flag, (s) => s.paused != null, 'paused');
  expect(await cli('resume', flag, '--by', 'carol', '--reason', 'dashboard fine', '--key', keys.carol.privateKey)).toMatchObject({ code: 0 });
  await handle.signal('pause', pause);
  const replayed = await until(flag, (s) => s.refusedCount === 4, 'the replay refused');
  expect(replayed.paused).toBeNull();
  expect(replayed.refused.at(-1)!.reason).toMatch(/was used before: a replayed message/);

  expect(await cli('approve', flag, '--gate', 'staging-qa', '--by', 'alice', '--key', keys.alice.privateKey, '--comment', 'QA passed')).toMatchObject({ code: 0 });
  const next = await until(flag, (s) => s.pendingGate === 'production-qa', 'production-qa');
  expect(next.steps.find((s) => s.gate === 'staging-qa')).toMatchObject({ action: 'approved', by: 'alice', comment: 'QA passed' });
  expect(await cli('abort', flag, '--by', 'carol', '--reason', 'end of test', '--key', keys.carol.privateKey)).toMatchObject({ code: 0 });
  await until(flag, (s) => s.state === 'rolled-back', 'rolled back');
});
