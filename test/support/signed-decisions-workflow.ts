// A stand-in rollout for the CLI signing tests: takes approve/reject/abort/pause/resume updates, checks signatures with its keys.
import { ApplicationFailure, condition, continueAsNew, defineQuery, defineSignal, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { DECISION_KINDS, decisionSignatureProblem, signedDecisionOf, type DecisionPayload, type DecisionSignature } from '../../signing/decision-signature';

export interface SignedDecisionsInput {
  flag: string;
  /** Username → public key, as a plan's signing.keys. */
  keys: Record<string, string>;
  taken?: TakenDecision[];
}

export interface TakenDecision {
  kind: string;
  by: string;
  signed: boolean;
  /** The first run id the signature was checked against. */
  run: string;
  payload: unknown;
}

export const takenQuery = defineQuery<TakenDecision[]>('taken');
export const continueSignal = defineSignal('continue');

export async function signedDecisionsWorkflow(input: SignedDecisionsInput): Promise<void> {
  const taken = [...(input.taken ?? [])];
  let continueAsked = false;
  for (const kind of DECISION_KINDS) {
    setHandler(defineUpdate<unknown, [DecisionPayload & { signature?: DecisionSignature }]>(kind), (payload) => {
      const run = workflowInfo().firstExecutionRunId;
      if (payload.signature) {
        const key = input.keys[payload.by] ?? '';
        const decision = signedDecisionOf(kind, { flag: input.flag, run }, payload, payload.signature);
        const problem = decisionSignatureProblem(decision, payload.signature.value, key, Date.now());
        if (problem !== null) throw ApplicationFailure.nonRetryable(problem);
      }
      taken.push({ kind, by: payload.by, signed: Boolean(payload.signature), run, payload });
      return { message: kind, gate: payload.gate ?? null, by: payload.by, at: new Date().toISOString(), state: 'running', stage: 'staging-qa' };
    });
  }
  setHandler(takenQuery, () => taken);
  setHandler(continueSignal, () => void (continueAsked = true));
  await condition(() => continueAsked);
  await continueAsNew<typeof signedDecisionsWorkflow>({ ...input, taken });
}
