// Who may send which message when: the one check behind approve, reject, abort, pause and resume, for signals and updates alike.
import type { RolloutPlan } from '../plan/rollout-plan';
import { sameUsername } from '../plan/username';
import { parseMessage, type MessageKind, type MessagePayloads } from './message-schemas';
import { describeUndecodablePayload, isUndecodablePayload } from './payload-converter';
import type { GateName, RolloutState, Stage } from './rollout-status';
import { checkSignature, type SignatureContext } from './signature-check';

/** What the rules look at: the plan's people and the rollout's current position. */
export interface MessageContext {
  plan: Pick<RolloutPlan, 'flag' | 'requester' | 'approvers' | 'operators' | 'readiness' | 'signing' | 'gates' | 'cleanup'>;
  state: RolloutState;
  stage: Stage;
  pendingGate: GateName | null;
  hasDecision: boolean;
  abortRequested: boolean;
  /** Who paused the rollout, while it is paused (absent for rollouts from before pause). */
  pausedBy?: string | null;
  /** The flag-removal merge request the cleanup waits for, once known. */
  cleanupMr?: string | null;
  /** Who approved the pending gate so far (a gate may need several approvals). */
  approvedBy?: string[];
  /** The rollout's first run id, the workflow's clock and the nonces seen: what signatures are checked against. */
  signature?: Omit<SignatureContext, 'plan'>;
}

/** `nonce`: the nonce of a validly signed message, taken or not, so it can never be used again. */
export type MessageVerdict<K extends MessageKind> =
  | { ok: true; message: MessagePayloads[K]; nonce?: string | null }
  | { ok: false; reason: string; nonce?: string | null };

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
  let nonce: string | null = null;
  if (context.signature) {
    const signed = checkSignature(kind, message, { plan: context.plan, ...context.signature });
    if (!signed.ok) return refuse(signed.reason);
    nonce = signed.nonce;
  }
  const reason = ruleRefusal(kind, message, context);
  return reason === null ? { ok: true, message, nonce } : { ok: false, reason, nonce };
}

function ruleRefusal(kind: MessageKind, message: MessagePayloads[MessageKind], context: MessageContext): string | null {
  switch (kind) {
    case 'abort':
      return abortRefusal(message.by, context);
    case 'pause':
    case 'resume':
      return pauseRefusal(kind, message.by, context);
    case 'cleanup':
      return cleanupRefusal(message.by, context);
    default:
      return decisionRefusal(kind, message as MessagePayloads['approve' | 'reject'], context);
  }
}

function decisionRefusal(kind: MessageKind, message: MessagePayloads['approve' | 'reject'], context: MessageContext): string | null {
  const { plan } = context;
  if (context.pendingGate === null) return `no gate is pending (stage ${context.stage}, state ${context.state})`;
  if (message.gate !== context.pendingGate) return `gate ${message.gate} is not pending; the pending gate is ${context.pendingGate}`;
  if (context.hasDecision) return `gate ${message.gate} already has a decision`;
  if (context.abortRequested) return 'the rollout is being aborted';
  if (context.pausedBy) return `the rollout is paused (by ${context.pausedBy}); resume it first`;
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
  const approvedBy = context.approvedBy ?? [];
  if (kind === 'approve' && approvedBy.some((name) => sameUsername(name, message.by))) {
    const required = plan.gates[message.gate]?.approvals ?? 1;
    return `${message.by} has already approved ${message.gate} (${approvedBy.length} of ${required}); another approver must approve`;
  }
  return null;
}

function pauseRefusal(kind: 'pause' | 'resume', by: string, context: MessageContext): string | null {
  if (context.state !== 'running' && context.state !== 'awaiting-approval') return `the rollout is ${context.state}; there is nothing to ${kind}`;
  if (context.abortRequested) return 'the rollout is being aborted';
  if (kind === 'pause' && context.pausedBy) return `the rollout is already paused (by ${context.pausedBy})`;
  if (kind === 'resume' && !context.pausedBy) return 'the rollout is not paused';
  return peopleRefusal(kind, by, context);
}

function abortRefusal(by: string, context: MessageContext): string | null {
  if (context.state !== 'running' && context.state !== 'awaiting-approval') return `the rollout is ${context.state}; there is nothing to abort`;
  if (context.abortRequested) return 'an abort is already under way';
  return peopleRefusal('abort', by, context);
}

function cleanupRefusal(by: string, context: MessageContext): string | null {
  if (!context.plan.cleanup) return 'this rollout has no cleanup stage (the plan has no cleanup section)';
  if (context.state !== 'running' && context.state !== 'awaiting-approval') return `the rollout is ${context.state}; its cleanup can no longer start`;
  if (context.cleanupMr) return `the cleanup already waits for ${context.cleanupMr}`;
  return peopleRefusal('cleanup', by, context);
}

/** abort, pause, resume and cleanup: the requester, an approver or an operator of the plan. */
function peopleRefusal(kind: MessageKind, by: string, { plan }: MessageContext): string | null {
  const allowed = [plan.requester, ...plan.approvers, ...plan.operators];
  if (allowed.some((name) => sameUsername(name, by))) return null;
  const operators = plan.operators.length > 0 ? plan.operators.join(', ') : 'none';
  return `${by} may not ${kind} this rollout: only the requester (${plan.requester}), an approver (${plan.approvers.join(', ')}) or an operator (${operators})`;
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
