// Signature verification bundled by webpack and run in Temporal's workflow sandbox on the time-skipping server.
import { generateKeyPairSync } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { rolloutRunId } from '../client/rollout-run-id';
import type { SignedDecision } from '../signing/decision-signature';
import { newNonce, signDecision } from '../signing/sign-decision';
import { publicKeyOf } from '../signing/signing-key';
import { temporalTestServerPath } from '../stack/temporal-binaries';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { pollUntil } from './support/eventually';
import { continueSignal, finishSignal, signatureSandboxWorkflow, verifyUpdate, type VerifyRequest } from './support/signature-sandbox-workflow';

const TASK_QUEUE = 'signing-sandbox';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  installQuietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServerPath() } } });
  // The bundler refuses Node built-ins in workflow code, so bundling at all proves the verifier is sandbox-safe.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./support/signature-sandbox-workflow'), logger: new DefaultLogger('WARN') });
  worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE, workflowBundle });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('verifyDecisionSignature in the workflow sandbox', () => {
  it('accepts a signature made by Node crypto for the rollout\'s first run id, before and after continue-as-new, and nothing else', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').privateKey;
    const handle = await env.client.workflow.start(signatureSandboxWorkflow, { taskQueue: TASK_QUEUE, workflowId: `sandbox-${newNonce()}`, args: [false] });
    const run = handle.firstExecutionRunId;
    const decision = (overrides: Partial<SignedDecision> = {}): Omit<SignedDecision, 'run'> => ({
      flag: 'route_hll_to_snowplow_phase3',
      kind: 'approve',
      gate: 'staging-qa',
      by: 'alice',
      text: 'QA passed ✓',
      confirmed: [],
      signedAt: new Date().toISOString(),
      nonce: newNonce(),
      ...overrides,
    });
    const request = (d: Omit<SignedDecision, 'run'>, signedFor = run, key = privateKey): VerifyRequest => ({
      decision: d,
      signature: signDecision({ ...d, run: signedFor }, key),
      publicKey: publicKeyOf(privateKey),
    });

    const first = decision();
    const answer = await handle.executeUpdate(verifyUpdate, { args: [request(first)] });
    expect(answer).toEqual({ valid: true, firstExecutionRunId: run, runId: run });
    expect((await handle.executeUpdate(verifyUpdate, { args: [request(first, run, other)] })).valid).toBe(false);
    expect((await handle.executeUpdate(verifyUpdate, { args: [request(first, 'another-run')] })).valid).toBe(false);
    const tampered = request(first);
    expect((await handle.executeUpdate(verifyUpdate, { args: [{ ...tampered, decision: { ...first, gate: 'production-qa' } }] })).valid).toBe(false);
    expect((await handle.executeUpdate(verifyUpdate, { args: [{ ...tampered, signature: 'not base64' }] })).valid).toBe(false);

    await handle.signal(continueSignal);
    const next = env.client.workflow.getHandle(handle.workflowId);
    await pollUntil(() => next.describe(), (d) => d.runId !== run && d.status.name === 'RUNNING', { what: 'the continued run', timeoutMs: 20_000, intervalMs: 50 });
    const afterwards = await next.executeUpdate(verifyUpdate, { args: [request(decision({ kind: 'abort', gate: null, text: 'error rate up' }))] });
    expect(afterwards.valid).toBe(true);
    expect(afterwards.firstExecutionRunId).toBe(run);
    expect(afterwards.runId).not.toBe(run);

    // What the CLI signs for: the server's first run id of the chain, the same as the workflow's firstExecutionRunId.
    expect(await rolloutRunId(next, 'route_hll_to_snowplow_phase3')).toEqual({ runId: run, source: 'first-run-id' });

    await next.signal(finishSignal);
    await next.result();
  });
});
