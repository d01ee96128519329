// The rollout's long-running state: message handlers mutate it, the workflow function reads it.
import type { RolloutPlan } from '../plan/rollout-plan';
import type { ReadinessItem } from '../plan/readiness-items';
import type { GuardDecision } from '../volume/guard-decision';
import type { Abort, Approval, Rejection } from './messages';
import { RollbackRequested } from './rollback-requested';
import {
  GUARD_DECISIONS_KEPT,
  type GateName,
  type RefusedMessage,
  type RolloutOutcome,
  type RolloutState,
  type RolloutStatus,
  type Stage,
  type StepRecord,
} from './rollout-status';

type GateDecision = { kind: 'approved'; approval: Approval } | { kind: 'rejected'; rejection: Rejection };

export class RolloutProgress {
  private stage: Stage = 'non-production';
  private state: RolloutState = 'running';
  private pendingGate: GateName | null = null;
  private pendingGateReason: string | null = null;
  private gateDeadline: string | null = null;
  private decision: GateDecision | null = null;
  private abortRequest: Abort | null = null;
  private percentage = 0;
  private lastVolume: GuardDecision | null = null;
  private guardChecks = 0;
  private readonly guardDecisions: GuardDecision[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly refused: RefusedMessage[] = [];
  private outcome: RolloutOutcome | null = null;
  private endedAt: string | null = null;
  private readonly startedAt: string;

  constructor(
    private readonly plan: RolloutPlan,
    private readonly workflowId: string,
    private readonly now: () => Date,
  ) {
    this.startedAt = now().toISOString();
  }

  // --- message handlers -------------------------------------------------------------------------

  onApprove(approval: Approval): void {
    const refusal = this.checkDecision('approve', approval.gate, approval.by) ?? this.checkReadiness(approval);
    if (refusal) return this.refuse('approve', approval, refusal);
    this.decision = { kind: 'approved', approval };
  }

  onReject(rejection: Rejection): void {
    const refusal = this.checkDecision('reject', rejection.gate, rejection.by);
    if (refusal) return this.refuse('reject', rejection, refusal);
    this.decision = { kind: 'rejected', rejection };
  }

  onAbort(request: Abort): void {
    // The first abort wins; later ones would only rewrite the recorded reason.
    if (this.abortRequest === null && this.isActive()) this.abortRequest = request;
  }

  status(): RolloutStatus {
    return {
      workflowId: this.workflowId,
      flag: this.plan.flag,
      requester: this.plan.requester,
      approvers: this.plan.approvers,
      stage: this.stage,
      state: this.state,
      pendingGate: this.pendingGate,
      pendingGateReason: this.pendingGateReason,
      gateDeadline: this.gateDeadline,
      percentage: this.percentage,
      lastVolume: this.lastVolume,
      guard: { checks: this.guardChecks, decisions: this.guardDecisions },
      steps: this.steps,
      refused: this.refused,
      outcome: this.outcome,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      plan: this.plan,
    };
  }

  // --- what the workflow function reads and records ----------------------------------------------

  get abortRequested(): boolean {
    return this.abortRequest !== null;
  }

  get hasDecision(): boolean {
    return this.decision !== null;
  }

  /** Throws RollbackRequested when an abort has arrived; called after every wait. */
  throwIfAborted(): void {
    if (this.abortRequest) {
      const { by, reason } = this.abortRequest;
      throw new RollbackRequested('aborted', `aborted by ${by}: ${reason}`, by);
    }
  }

  enterStage(stage: Stage): void {
    this.stage = stage;
  }

  /** Opens a gate; `volume-review` keeps the current stage (the ramp holds), the others are stages of their own. */
  openGate(gate: GateName, deadline: Date, reason: string | null = null): void {
    if (gate !== 'volume-review') this.stage = gate;
    this.state = 'awaiting-approval';
    this.pendingGate = gate;
    this.pendingGateReason = reason;
    this.gateDeadline = deadline.toISOString();
    this.decision = null;
  }

  /** Closes the pending gate with its decision; throws RollbackRequested on rejection or no decision. */
  closeGate(gate: GateName, timeoutText: string): Approval {
    const decision = this.decision;
    this.pendingGate = null;
    this.pendingGateReason = null;
    this.gateDeadline = null;
    this.decision = null;
    this.state = 'running';
    if (decision === null) {
      this.record({ stage: this.stage, gate, action: `gate deadline passed after ${timeoutText} without a decision` });
      throw new RollbackRequested('gate-deadline', `gate ${gate} had no decision within ${timeoutText}`);
    }
    if (decision.kind === 'rejected') {
      const { by, reason, id } = decision.rejection;
      this.record({ stage: this.stage, gate, action: 'rejected', by, comment: reason, messageId: id });
      throw new RollbackRequested('rejected', `gate ${gate} rejected by ${by}: ${reason}`, by);
    }
    const { by, comment, confirmed, id } = decision.approval;
    this.record({ stage: this.stage, gate, action: 'approved', by, comment, confirmed, messageId: id });
    return decision.approval;
  }

  get currentPercentage(): number {
    return this.percentage;
  }

  setPercentage(percentage: number): void {
    this.percentage = percentage;
  }

  recordGuardDecision(decision: GuardDecision): void {
    this.lastVolume = decision;
    this.guardChecks += 1;
    this.guardDecisions.push(decision);
    if (this.guardDecisions.length > GUARD_DECISIONS_KEPT) this.guardDecisions.shift();
  }

  record(step: Omit<StepRecord, 'at'>): void {
    this.steps.push({ at: this.now().toISOString(), ...step });
  }

  startRollback(error: RollbackRequested): void {
    this.state = 'rolling-back';
    this.pendingGate = null;
    this.pendingGateReason = null;
    this.gateDeadline = null;
    this.outcome = { cause: error.rollbackCause, reason: error.message, by: error.by, at: this.now().toISOString() };
    this.record({ stage: 'rollback', action: `rolling back: ${error.message}`, by: error.by });
  }

  finish(state: 'completed' | 'rolled-back' | 'failed', reason?: string): void {
    this.state = state;
    this.endedAt = this.now().toISOString();
    if (state === 'completed') {
      this.stage = 'completed';
      this.outcome = { reason: reason ?? 'rollout completed', at: this.endedAt };
    } else if (reason && this.outcome) {
      this.outcome = { ...this.outcome, reason: `${this.outcome.reason}; ${reason}` };
    }
  }

  // --- rules ------------------------------------------------------------------------------------

  private isActive(): boolean {
    return this.state === 'running' || this.state === 'awaiting-approval';
  }

  private checkDecision(signal: 'approve' | 'reject', gate: string, by: string): string | null {
    if (this.pendingGate === null) return `no gate is pending (stage ${this.stage}, state ${this.state})`;
    if (gate !== this.pendingGate) return `gate ${gate} is not pending; the pending gate is ${this.pendingGate}`;
    if (this.decision !== null) return `gate ${gate} already has a decision`;
    const isApprover = this.plan.approvers.includes(by);
    if (signal === 'approve' && by === this.plan.requester) return `${by} requested this rollout and cannot approve it`;
    // The requester may reject (withdraw) their own rollout; otherwise only approvers decide.
    if (!isApprover && !(signal === 'reject' && by === this.plan.requester)) {
      return `${by} is not an approver of this rollout (approvers: ${this.plan.approvers.join(', ')})`;
    }
    return null;
  }

  private checkReadiness(approval: Approval): string | null {
    if (approval.gate !== 'global-readiness') return null;
    const confirmed = new Set<ReadinessItem>(approval.confirmed ?? []);
    const missing = this.plan.readiness.filter((item) => !confirmed.has(item));
    return missing.length ? `readiness items not confirmed: ${missing.join(', ')}` : null;
  }

  private refuse(signal: 'approve' | 'reject', message: Approval | Rejection, reason: string): void {
    this.refused.push({ at: this.now().toISOString(), signal, gate: message.gate, by: message.by, reason, id: message.id });
  }
}

