// The rollout's long-running state: message handlers mutate it, the workflow function reads it, continue-as-new carries it.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { GuardRecord } from '../volume/guard-decision';
import { checkLegacyMessage } from './legacy-message-rules';
import { checkMessage, type MessageContext, type MessageVerdict } from './message-rules';
import { SIGNATURE_RULES } from '../signing/decision-signature';
import { MESSAGE_KINDS, type Approval, type MessageKind, type MessagePayloads } from './message-schemas';
import type { MessageAccepted } from './messages';
import { RollbackRequested } from './rollback-requested';
import { logDecision, logStateChange } from './rollout-log';
import type { PendingGate, RolloutSnapshot, TouchedEnvironment } from './rollout-snapshot';
import {
  GUARD_DECISIONS_KEPT,
  REFUSALS_KEPT,
  STAGES,
  type DeploymentStatus,
  type GateApprovals,
  type GateName,
  type OverwrittenChange,
  type RolloutStatus,
  type Stage,
  type StepRecord,
} from './rollout-status';
import { cutText } from './safe-text';
import { sameUsername } from '../plan/username';
import { ANNOUNCED_KINDS, type NoticeKind, type RolloutNotice } from '../notify/rollout-notice';
import type { ChangeHold } from '../change-control/check-change-control';

const NAME_MAX = 64;
const REASON_MAX = 1000;

export class RolloutProgress {
  private readonly d: RolloutSnapshot;

  /** Set once the workflow knows it runs with notifications (OPERATOR_VIEW); until then no notice is queued. */
  notifying = false;
  /** The rollout's first run id: signatures name it, so a decision signed for one rollout counts in no other. */
  firstRunId = '';

  constructor(
    private readonly plan: RolloutPlan,
    private readonly workflowId: string,
    /** The rollout's clock (WorkflowClock): workflow time, or in the activation where a wait's timer fired its end. */
    readonly now: () => number,
    changeIdPrefix: string,
    resume?: RolloutSnapshot,
  ) {
    this.d = resume
      ? { ...resume, run: resume.run + 1 }
      : {
          stage: 'non-production',
          state: 'running',
          gate: null,
          abort: null,
          percentage: 0,
          guard: { watching: false, checks: 0, decisions: [], unreadableSince: null, nextCheckAt: null, reviewedAt: null },
          steps: [],
          refused: [],
          refusedCount: 0,
          overwritten: [],
          outcome: null,
          startedAt: new Date(now()).toISOString(),
          endedAt: null,
          details: '',
          done: [],
          deadlines: {},
          flags: { changeIdPrefix, sequence: 0, touched: [] },
          run: 1,
        };
  }

  // --- messages (handlers never throw: a refused message is recorded, or refused by the update validator) ----------

  /** A signal: takes it when the rules allow, otherwise records the refusal. `strict` is false for pre-patch rollouts. */
  receiveSignal(kind: MessageKind, args: readonly unknown[], strict: boolean): void {
    const verdict = strict ? checkMessage(kind, args, this.messageContext()) : checkLegacyMessage(kind, args, this.messageContext());
    this.useNonce(verdict.nonce);
    if (verdict.ok) this.take(kind, verdict.message);
    else this.refuse(kind, args, verdict.reason);
  }

  /** An update's validator: throws the refusal reason, so a refused update never enters history. */
  validateUpdate(kind: MessageKind, args: readonly unknown[]): void {
    const verdict = checkMessage(kind, args, this.messageContext());
    if (!verdict.ok) {
      const { gate, by } = messageFields(args);
      logDecision(this.plan, { decision: 'refused', message: `${kind} update`, stage: this.d.stage, state: this.d.state, ...optional('gate', gate), ...optional('by', by), reason: cutText(verdict.reason, REASON_MAX) });
      throw new Error(cutText(verdict.reason, REASON_MAX));
    }
  }

  /** An update's handler, after its validator passed in the same activation (so the same check passes again). */
  takeUpdate(kind: MessageKind, args: readonly unknown[]): MessageAccepted {
    const verdict: MessageVerdict<MessageKind> = checkMessage(kind, args, this.messageContext());
    this.useNonce(verdict.nonce);
    return verdict.ok ? this.take(kind, verdict.message) : this.answer(kind, null, '(refused)');
  }

  /** A signal nobody defined: recorded, so a typo in `temporal workflow signal --name` does not vanish silently. */
  refuseUnknown(name: string, args: readonly unknown[]): void {
    this.refuse(name, args, `unknown message ${JSON.stringify(cutText(name, NAME_MAX))}; this workflow takes ${MESSAGE_KINDS.join(', ')}`);
  }

  /** Last resort of a handler whose own code threw: the message is refused with the error, never left unanswered. */
  refuseAfterError(name: string, args: readonly unknown[], error: unknown): void {
    this.refuse(name, args, `the workflow could not process this message: ${error instanceof Error ? error.message : String(error)}`);
  }

  private messageContext(): MessageContext {
    return {
      plan: this.plan,
      state: this.d.state,
      stage: this.d.stage,
      pendingGate: this.d.gate?.name ?? null,
      hasDecision: this.hasDecision,
      abortRequested: this.abortRequested,
      pausedBy: this.d.pause?.by ?? null,
      cleanupMr: this.cleanupMr,
      approvedBy: (this.d.gate?.approvals ?? []).map((a) => a.approval.by),
      signature: { run: this.firstRunId, now: this.now(), nonceSeen: (nonce) => (this.d.nonces ?? []).some((seen) => seen.nonce === nonce) },
    };
  }

  /** Remembers a signed message's nonce for as long as its signature could still be accepted. */
  private useNonce(nonce: string | null | undefined): void {
    if (!nonce) return;
    const oldest = this.now() - SIGNATURE_RULES.maxAgeMs - SIGNATURE_RULES.maxSkewMs;
    this.d.nonces = [...(this.d.nonces ?? []).filter((seen) => seen.at >= oldest), { nonce, at: this.now() }];
  }

  private take(kind: MessageKind, message: MessagePayloads[MessageKind]): MessageAccepted {
    if (kind === 'abort') {
      this.d.abort = message as MessagePayloads['abort'];
    } else if (kind === 'pause') {
      this.pause(message as MessagePayloads['pause']);
    } else if (kind === 'resume') {
      this.resume(message as MessagePayloads['resume']);
    } else if (kind === 'cleanup') {
      const { by, mr } = message as MessagePayloads['cleanup'];
      this.d.cleanupMr = mr;
      this.record({ stage: this.d.stage, action: `cleanup: the flag-removal merge request is ${mr}`, by });
    } else if (this.d.gate && kind === 'approve') {
      this.approve(this.d.gate, message as Approval);
    } else if (this.d.gate) {
      this.d.gate.decision = { kind: 'rejected', rejection: message as MessagePayloads['reject'] };
    }
    const gate = (message as { gate?: GateName }).gate ?? null;
    logDecision(this.plan, { decision: 'accepted', message: kind, stage: this.d.stage, state: this.d.state, ...optional('gate', gate ?? undefined), by: message.by });
    return this.answer(kind, gate, message.by);
  }

  /** One approval; the gate is decided once it has as many distinct approvals as the plan asks (one by default). */
  private approve(gate: PendingGate, approval: Approval): void {
    const required = this.requiredApprovals(gate.name);
    if (required <= 1) {
      gate.decision = { kind: 'approved', approval };
      return;
    }
    gate.approvals = [...(gate.approvals ?? []), { approval, at: this.now() }];
    if (gate.approvals.length >= required) gate.decision = { kind: 'approved', approval };
  }

  private requiredApprovals(gate: GateName): number {
    return this.plan.gates[gate]?.approvals ?? 1;
  }

  private pause({ by, reason }: MessagePayloads['pause']): void {
    this.d.pause = { by, reason, at: this.now() };
    this.record({ stage: this.d.stage, action: 'paused', by, comment: reason });
    this.notice('paused', `${this.plan.flag} paused by ${by}: ${reason}`);
  }

  /** Resumes; every clock under way (soak, verification, gate deadline, inconclusive wait) moves on by the time paused. */
  private resume({ by, reason }: MessagePayloads['resume']): void {
    const pausedMs = this.now() - (this.d.pause?.at ?? this.now());
    for (const key of Object.keys(this.d.deadlines)) this.d.deadlines[key]! += pausedMs;
    if (this.d.gate) {
      this.d.gate.deadline += pausedMs;
      if (this.d.gate.opened !== undefined) this.d.gate.opened += pausedMs;
    }
    this.d.pause = null;
    this.record({ stage: this.d.stage, action: `resumed after ${Math.round(pausedMs / 1000)} s paused`, by, comment: reason });
    this.notice('resumed', `${this.plan.flag} resumed by ${by}: ${reason}`);
  }

  /** The flag-removal merge request: sent with `cleanup`, else the plan's. */
  get cleanupMr(): string | null {
    return this.d.cleanupMr ?? this.plan.cleanup?.mr ?? null;
  }

  /** The latest deployment check. */
  setDeployment(deployment: DeploymentStatus): void {
    this.d.deployment = deployment;
  }

  /** Where the rollout stands with its exclusive group: holding it, or waiting for the rollouts that do. */
  setExclusive(holds: boolean, waitingFor: string[]): void {
    const before = this.d.exclusive;
    this.d.exclusive = { holds, waitingFor };
    const group = this.plan.exclusive ?? '';
    if (holds && !before?.holds) this.record({ stage: this.d.stage, action: `holds the exclusive group ${group}` });
    else if (!holds && waitingFor.join() !== (before?.waitingFor ?? []).join() && waitingFor.length > 0) {
      this.record({ stage: this.d.stage, action: `waits for ${waitingFor.join(', ')} (exclusive group ${group})` });
    }
  }

  /** A production change is held back: recorded (and notified) when the hold starts or its reason changes. */
  hold(hold: ChangeHold): void {
    const current = this.d.hold ?? null;
    if (current && current.kind === hold.kind && current.reason === hold.reason) {
      this.d.hold = { ...current, until: hold.until };
      return;
    }
    this.d.hold = { ...hold, since: current?.since ?? this.now() };
    this.record({ stage: this.d.stage, action: `held (${hold.kind}): ${hold.reason}` });
    this.notice('held', `${this.plan.flag}: the next production change is held (${hold.kind}): ${hold.reason}`, hold.until ? { deadline: hold.until } : {});
  }

  /** The hold is over: recorded with how long it lasted. */
  releaseHold(): void {
    const current = this.d.hold ?? null;
    if (current === null) return;
    this.d.hold = null;
    this.record({ stage: this.d.stage, action: `hold released after ${Math.round((this.now() - current.since) / 60_000)} min (${current.kind})` });
  }

  get paused(): boolean {
    return (this.d.pause ?? null) !== null;
  }

  private answer(kind: MessageKind, gate: GateName | null, by: string): MessageAccepted {
    return { message: kind, gate, by, at: new Date(this.now()).toISOString(), state: this.d.state, stage: this.d.stage };
  }

  private refuse(signal: string, args: readonly unknown[], reason: string): void {
    const { gate, by, id } = messageFields(args);
    this.d.refusedCount += 1;
    this.d.refused.push({
      at: new Date(this.now()).toISOString(),
      signal: cutText(signal, NAME_MAX),
      ...optional('gate', gate),
      ...optional('by', by),
      reason: cutText(reason, REASON_MAX),
      ...optional('id', id),
    });
    if (this.d.refused.length > REFUSALS_KEPT) this.d.refused.shift();
    logDecision(this.plan, { decision: 'refused', message: cutText(signal, NAME_MAX), stage: this.d.stage, state: this.d.state, ...optional('gate', gate), ...optional('by', by), reason: cutText(reason, REASON_MAX) });
  }

  // --- what the status query and continue-as-new read ---------------------------------------------------------------

  status(): RolloutStatus {
    const { d } = this;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      workflowId: this.workflowId,
      flag: this.plan.flag,
      requester: this.plan.requester,
      approvers: this.plan.approvers,
      stage: d.stage,
      state: d.state,
      pendingGate: d.gate?.name ?? null,
      pendingGateReason: d.gate?.reason ?? null,
      gateDeadline: iso(d.gate?.deadline ?? null),
      pendingGateApprovals: d.gate ? this.gateApprovals(d.gate) : null,
      paused: d.pause ? { by: d.pause.by, reason: d.pause.reason, at: iso(d.pause.at)! } : null,
      deployment: d.deployment ?? null,
      cleanupMr: this.cleanupMr,
      exclusive: this.plan.exclusive ? { group: this.plan.exclusive, holds: d.exclusive?.holds ?? false, waitingFor: d.exclusive?.waitingFor ?? [] } : null,
      held: d.hold ? { kind: d.hold.kind, reason: d.hold.reason, since: iso(d.hold.since)!, until: d.hold.until } : null,
      percentage: d.percentage,
      lastVolume: d.guard.decisions.at(-1) ?? null,
      guard: {
        checks: d.guard.checks,
        decisions: d.guard.decisions,
        unreadableSince: iso(d.guard.unreadableSince),
        nextCheckAt: d.guard.watching && d.outcome === null ? iso(d.guard.nextCheckAt) : null,
      },
      steps: d.steps,
      refused: d.refused,
      refusedCount: d.refusedCount,
      overwritten: d.overwritten,
      outcome: d.outcome,
      startedAt: d.startedAt,
      endedAt: d.endedAt,
      run: d.run,
      plan: this.plan,
    };
  }

  private gateApprovals(gate: PendingGate): GateApprovals {
    const approvedBy = (gate.approvals ?? []).map((a) => a.approval.by);
    const mayStillApprove = this.plan.approvers.filter((name) => !approvedBy.some((by) => sameUsername(by, name)));
    return { required: this.requiredApprovals(gate.name), approvedBy, mayStillApprove };
  }

  /** The state to continue-as-new with. */
  snapshot(): RolloutSnapshot {
    return this.d;
  }

  // --- forward position: steps done and the absolute ends of waits under way -----------------------------------------

  isDone(step: string): boolean {
    return this.d.done.includes(step);
  }

  markDone(step: string): void {
    this.d.done.push(step);
    for (const key of Object.keys(this.d.deadlines)) if (key.startsWith(`${step}:`) || key === step) delete this.d.deadlines[key];
  }

  /** The end of the wait `key`: set to now + `durationMs` the first time, the same value after continue-as-new. */
  deadline(key: string, durationMs: number): number {
    return (this.d.deadlines[key] ??= this.now() + durationMs);
  }

  /** Called after the details change (the operator's view re-renders and publishes); set by OperatorView. */
  onChange: () => void = () => undefined;

  /** The note under the checklist in the UI's current details: what the rollout does now. */
  get details(): string {
    return this.d.details;
  }

  set details(text: string) {
    this.d.details = text;
  }

  // --- stages and gates ---------------------------------------------------------------------------------------------

  get stage(): Stage {
    return this.d.stage;
  }

  enterStage(stage: Stage): void {
    this.d.stage = stage;
  }

  get pendingGate(): PendingGate | null {
    return this.d.gate;
  }

  /** Opens a gate; `volume-review` keeps the current stage (the ramp holds), the others are stages of their own. */
  openGate(gate: GateName, deadline: number, reason: string | null = null): void {
    // Gates that are stages of the issue become the stage; volume-review and deployment keep the stage they hold.
    if ((STAGES as readonly string[]).includes(gate)) this.d.stage = gate as Stage;
    this.d.state = 'awaiting-approval';
    this.d.gate = { name: gate, deadline, reason, decision: null, opened: this.now(), reminded: 0 };
  }

  get hasDecision(): boolean {
    return this.d.gate?.decision != null;
  }

  get abortRequested(): boolean {
    return this.d.abort !== null;
  }

  /** Throws RollbackRequested when an abort has arrived; called after every wait. */
  throwIfAborted(): void {
    if (this.d.abort) {
      const { by, reason } = this.d.abort;
      throw new RollbackRequested('aborted', `aborted by ${by}: ${reason}`, by);
    }
  }

  /** Closes the pending gate with its decision; throws RollbackRequested on rejection or no decision. */
  closeGate(gate: GateName, timeoutText: string): Approval {
    const pending = this.d.gate;
    const decision = pending?.decision ?? null;
    this.d.gate = null;
    this.d.state = 'running';
    if (decision === null) {
      this.record({ stage: this.d.stage, gate, action: `gate deadline passed after ${timeoutText} without a decision` });
      throw new RollbackRequested('gate-deadline', `gate ${gate} had no decision within ${timeoutText}`);
    }
    if (decision.kind === 'rejected') {
      const { by, reason, id } = decision.rejection;
      this.record({ stage: this.d.stage, gate, action: 'rejected', by, comment: reason, ...optional('messageId', id) });
      throw new RollbackRequested('rejected', `gate ${gate} rejected by ${by}: ${reason}`, by);
    }
    if (gate === 'volume-review') this.d.guard.reviewedAt = this.now();
    const several = pending?.approvals ?? [];
    const approvals = several.length > 0 ? several : [{ approval: decision.approval, at: this.now() }];
    approvals.forEach(({ approval: { by, comment, confirmed, id } }, index) => {
      const action = approvals.length > 1 ? `approved (${index + 1} of ${approvals.length})` : 'approved';
      this.record({ stage: this.d.stage, gate, action, by, ...optional('comment', comment), ...optional('confirmed', confirmed), ...optional('messageId', id) });
    });
    return decision.approval;
  }

  get percentage(): number {
    return this.d.percentage;
  }

  setPercentage(percentage: number): void {
    this.d.percentage = percentage;
  }

  // --- guard, flags, steps ------------------------------------------------------------------------------------------

  get guard(): RolloutSnapshot['guard'] {
    return this.d.guard;
  }

  recordGuard(check: GuardRecord): void {
    const { guard } = this.d;
    guard.checks += 1;
    guard.decisions.push(check);
    if (guard.decisions.length > GUARD_DECISIONS_KEPT) guard.decisions.shift();
    if (check.verdict !== 'unreadable') guard.unreadableSince = null;
    else guard.unreadableSince ??= Date.parse(check.at);
  }

  get flags(): RolloutSnapshot['flags'] {
    return this.d.flags;
  }

  touched(): TouchedEnvironment[] {
    return this.d.flags.touched;
  }

  recordOverwritten(change: Omit<OverwrittenChange, 'at'>): void {
    this.d.overwritten.push({ at: new Date(this.now()).toISOString(), ...change });
  }

  /** Queues a notification (only once the workflow sends them); the workflow hands the outbox to the notify activity. */
  notice(kind: NoticeKind, text: string, extra: Partial<RolloutNotice> = {}): void {
    if (!this.notifying) return;
    const notices = (this.d.notices ??= { sequence: 0, outbox: [] });
    notices.sequence += 1;
    const at = new Date(this.now()).toISOString();
    const issues = this.plan.announce && ANNOUNCED_KINDS.includes(kind) ? { issues: this.plan.announce.issues } : {};
    notices.outbox.push({ id: `${this.workflowId}/${this.firstRunId}/${notices.sequence}`, kind, flag: this.plan.flag, workflowId: this.workflowId, at, text, ...issues, ...extra });
  }

  /** Takes the queued notifications. */
  takeNotices(): RolloutNotice[] {
    const outbox = this.d.notices?.outbox ?? [];
    if (this.d.notices) this.d.notices.outbox = [];
    return outbox;
  }

  get hasNotices(): boolean {
    return (this.d.notices?.outbox.length ?? 0) > 0;
  }

  record(step: Omit<StepRecord, 'at'>): void {
    this.d.steps.push({ at: new Date(this.now()).toISOString(), ...step });
  }

  startRollback(error: RollbackRequested): void {
    logStateChange(this.plan, { before: this.d.state, after: 'rolling-back', stage: this.d.stage, reason: error.message, ...optional('by', error.by) });
    this.d.state = 'rolling-back';
    this.d.gate = null;
    this.d.outcome = { cause: error.rollbackCause, reason: error.message, ...optional('by', error.by), at: new Date(this.now()).toISOString() };
    this.record({ stage: 'rollback', action: `rolling back: ${error.message}`, ...optional('by', error.by) });
  }

  finish(state: 'completed' | 'rolled-back' | 'failed', reason?: string): void {
    const before = this.d.state;
    const at = new Date(this.now()).toISOString();
    this.d.state = state;
    this.d.endedAt = at;
    if (state === 'completed') {
      this.d.stage = 'completed';
      this.d.outcome = { reason: reason ?? 'rollout completed', at };
    } else if (reason && this.d.outcome) {
      this.d.outcome = { ...this.d.outcome, reason: `${this.d.outcome.reason}; ${reason}` };
    }
    logStateChange(this.plan, { before, after: state, stage: this.d.stage, reason: this.d.outcome?.reason ?? state });
  }
}

/** The gate, sender and message id a message names, when they are text (cut to length): what a refusal records. */
function messageFields(args: readonly unknown[]): { gate?: string; by?: string; id?: string } {
  const raw = typeof args[0] === 'object' && args[0] !== null ? (args[0] as Record<string, unknown>) : {};
  const field = (value: unknown) => (typeof value === 'string' ? cutText(value, NAME_MAX) : undefined);
  return { ...optional('gate', field(raw.gate)), ...optional('by', field(raw.by)), ...optional('id', field(raw.id)) };
}

/** `{ [key]: value }` when value is defined, else `{}`: keeps absent fields absent in history and status. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
