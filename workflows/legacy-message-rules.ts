// The message rules of rollouts started before the STRICT_MESSAGES patch, kept so their histories replay as recorded.
//
// Those rollouts accepted a reject without a reason, an abort from anyone and compared approvers case-sensitively.
// What they accepted moved them on (commands in history), so a replay must accept the same messages. Payloads that
// were not objects made the old handlers throw (no history recorded them as processed) and are refused here.
import type { ReadinessItem } from '../plan/readiness-items';
import type { MessageContext, MessageVerdict } from './message-rules';
import type { MessageKind, MessagePayloads } from './message-schemas';
import { cutText } from './safe-text';

const FIELD_MAX = 200;

export function checkLegacyMessage<K extends MessageKind>(kind: K, args: readonly unknown[], context: MessageContext): MessageVerdict<K> {
  if (kind === 'pause' || kind === 'resume' || kind === 'cleanup') return { ok: false, reason: `this rollout started before ${kind} existed` };
  const payload = args[0];
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'the payload must be a JSON object' };
  const raw = payload as Record<string, unknown>;
  const by = text(raw.by);
  if (kind === 'abort') {
    if ((context.state !== 'running' && context.state !== 'awaiting-approval') || context.abortRequested) {
      return { ok: false, reason: `the rollout is ${context.state}; there is nothing to abort` };
    }
    return { ok: true, message: { by, reason: text(raw.reason) } as MessagePayloads[K] };
  }
  const gate = raw.gate;
  const { plan } = context;
  if (context.pendingGate === null) return { ok: false, reason: `no gate is pending (stage ${context.stage}, state ${context.state})` };
  if (gate !== context.pendingGate) return { ok: false, reason: `gate ${text(gate)} is not pending; the pending gate is ${context.pendingGate}` };
  if (context.hasDecision) return { ok: false, reason: `gate ${text(gate)} already has a decision` };
  if (kind === 'approve' && raw.by === plan.requester) return { ok: false, reason: `${by} requested this rollout and cannot approve it` };
  if (!plan.approvers.includes(raw.by as string) && !(kind === 'reject' && raw.by === plan.requester)) {
    return { ok: false, reason: `${by} is not an approver of this rollout (approvers: ${plan.approvers.join(', ')})` };
  }
  if (kind === 'reject') {
    return { ok: true, message: { gate, by, reason: text(raw.reason), ...id(raw) } as MessagePayloads[K] };
  }
  const confirmed = confirmedItems(raw.confirmed);
  if (gate === 'global-readiness') {
    if (confirmed === null) return { ok: false, reason: 'confirmed must be a list of readiness items' };
    const missing = plan.readiness.filter((item) => !confirmed.includes(item));
    if (missing.length > 0) return { ok: false, reason: `readiness items not confirmed: ${missing.join(', ')}` };
  }
  const comment = raw.comment === undefined ? {} : { comment: text(raw.comment) };
  const items = confirmed === null || raw.confirmed === undefined ? {} : { confirmed: confirmed as ReadinessItem[] };
  return { ok: true, message: { gate, by, ...comment, ...items, ...id(raw) } as MessagePayloads[K] };
}

function text(value: unknown): string {
  return cutText(typeof value === 'string' ? value : String(value), FIELD_MAX);
}

function id(raw: Record<string, unknown>): { id?: string } {
  return typeof raw.id === 'string' ? { id: cutText(raw.id, FIELD_MAX) } : {};
}

/** The old handler built a Set from `confirmed` (global-readiness only): anything iterable worked, anything else threw. */
function confirmedItems(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string' || Array.isArray(value)) return Array.from(value as ArrayLike<unknown>, (item) => String(item));
  return null;
}
