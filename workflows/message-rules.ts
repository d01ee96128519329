// Who may send which message when: the one check behind approve, reject and abort, for signals and updates alike.
import type { RolloutPlan } from '../plan/rollout-plan';
import { sameUsername } from '../plan/username';
import { parseMessage, type MessageKind, type MessagePayloads } from './message-schemas';
import { describeUndecodablePayload, isUndecodablePayload } from './payload-converter';
import type { GateName, RolloutState, Stage } from './rollout-status';

/** What the rules look at: the plan's people and the rollout's current position. */
export interface MessageContext {
  plan: Pick<RolloutPlan, 'requester' | 'approvers' | 'operators' | 'readiness'>;
  state: RolloutState;
  stage: Stage;
  pendingGate: GateName | null;
  hasDecision: boolean;
  abortRequested: boolean;
}

export type MessageVerdict<K extends MessageKind> = { ok: true; message: MessagePayloads[K] } | { ok: false; reason: string };

/** Validates a message's arguments and applies the rules; never throws. `args` are the message's arguments as received. */
export function checkMessage<K extends MessageKind>(kind: K, args: readonly unknown[], context: MessageContext): MessageVerdict<K> {
  if (args.length !== 1) {
    return refuse(args.length === 0 ? 'no payload; send one JSON object' : `${args.length} payloads; send exactly one JSON object`);
  }
  const [payload] = args;
  if (isUndecodablePayload(payload)) return refuse(describeUndecodablePayload(payload));
  const parsed = parseMessage(kind, payload);
  if (!parsed.ok) return refuse(parsed.problems.join('; '));
  const message = parsed.message;
  const reason = kind === 'abort' ? abortRefusal(message.by, context) : decisionRefusal(kind, message as MessagePayloads['approve' | 'reject'], context);
  return reason === null ? { ok: true, message } : refuse(reason);
}

function decisionRefusal(kind: MessageKind, message: MessagePayloads['approve' | 'reject'], context: MessageContext): string | null {
  const { plan } = context;
  if (context.pendingGate === null) return `no gate is pending (stage ${context.stage}, state ${context.state})`;
  if (message.gate !== context.pendingGate) return `gate ${message.gate} is not pending; the pending gate is ${context.pendingGate}`;
  if (context.hasDecision) return `gate ${message.gate} already has a decision`;
  if (context.abortRequested) return 'the rollout is being aborted';
  const isApprover = plan.approvers.some((approver) => sameUsername(approver, message.by));
  const isRequester = sameUsername(plan.requester, message.by);
  if (kind === 'approve' && isRequester) return `${message.by} requested this rollout and cannot approve it`;
  // The requester may reject (withdraw) their own rollout; otherwise only approvers decide.
  if (!isApprover && !(kind === 'reject' && isRequester)) {
    return `${message.by} is not an approver of this rollout (approvers: ${plan.approvers.join(', ')})`;
  }
  if (kind === 'approve' && message.gate === 'global-readiness') {
    const confirmed = new Set<string>((message as MessagePayloads['approve']).confirmed ?? []);
    const missing = plan.readiness.filter((item) => !confirmed.has(item));
    if (missing.length > 0) return `readiness items not confirmed: ${missing.join(', ')}`;
  }
  return null;
}

function abortRefusal(by: string, context: MessageContext): string | null {
  const { plan } = context;
  if (context.state !== 'running' && context.state !== 'awaiting-approval') return `the rollout is ${context.state}; there is nothing to abort`;
  if (context.abortRequested) return 'an abort is already under way';
  const allowed = [plan.requester, ...plan.approvers, ...plan.operators];
  if (!allowed.some((name) => sameUsername(name, by))) {
    const operators = plan.operators.length > 0 ? plan.operators.join(', ') : 'none';
    return `${by} may not abort this rollout: only the requester (${plan.requester}), an approver (${plan.approvers.join(', ')}) or an operator (${operators})`;
  }
  return null;
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
