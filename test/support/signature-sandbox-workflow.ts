// A tiny workflow for the signing tests: verifies signed decisions inside Temporal's sandbox, before and after continue-as-new.
import { condition, continueAsNew, defineSignal, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { verifyDecisionSignature, type SignedDecision } from '../../signing/decision-signature';

export interface VerifyRequest {
  /** The decision without `run`: the workflow fills in its own first run id, as the rollout does. */
  decision: Omit<SignedDecision, 'run'>;
  signature: string;
  publicKey: string;
}

export interface VerifyAnswer {
  valid: boolean;
  firstExecutionRunId: string;
  runId: string;
}

export const verifyUpdate = defineUpdate<VerifyAnswer, [VerifyRequest]>('verify');
export const continueSignal = defineSignal('continue');
export const finishSignal = defineSignal('finish');

export async function signatureSandboxWorkflow(continued = false): Promise<void> {
  const asked: { next: 'continue' | 'finish' | null } = { next: null };
  setHandler(verifyUpdate, ({ decision, signature, publicKey }) => {
    const { firstExecutionRunId, runId } = workflowInfo();
    return { valid: verifyDecisionSignature({ ...decision, run: firstExecutionRunId }, signature, publicKey), firstExecutionRunId, runId };
  });
  setHandler(continueSignal, () => void (asked.next = 'continue'));
  setHandler(finishSignal, () => void (asked.next = 'finish'));
  await condition(() => asked.next !== null);
  if (asked.next === 'continue' && !continued) await continueAsNew<typeof signatureSandboxWorkflow>(true);
}
