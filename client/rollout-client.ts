// Client-side operations on rollouts: start, status, approve, reject and abort through Temporal.
import { randomUUID } from 'node:crypto';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { RolloutPlan } from '../plan/rollout-plan';
import * as messages from '../workflows/messages';
import type { rolloutWorkflow } from '../workflows/rollout-workflow';
import { rolloutWorkflowId, type RolloutStatus } from '../workflows/rollout-status';

export class RolloutClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** One row of `rollout list`. */
export interface RolloutSummary {
  flag: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, TERMINATED, … */
  execution: string;
  startedAt: string;
  closedAt: string | null;
  /** From the workflow's status (null when it could not be read, e.g. no worker for a running rollout). */
  state: RolloutStatus['state'] | null;
  stage: RolloutStatus['stage'] | null;
  pendingGate: RolloutStatus['pendingGate'];
  percentage: number | null;
}

/** What became of an approve or reject signal once the workflow processed it. */
export type DecisionAck =
  | { outcome: 'accepted'; status: RolloutStatus }
  | { outcome: 'refused'; reason: string; status: RolloutStatus }
  | { outcome: 'unconfirmed'; reason: string };

export class RolloutClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** How long `status` waits for a worker to answer the query. */
    private readonly statusTimeoutMs = 10_000,
  ) {}

  async start(plan: RolloutPlan): Promise<string> {
    const workflowId = rolloutWorkflowId(plan.flag);
    try {
      await this.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
        taskQueue: this.taskQueue,
        workflowId,
        args: [{ plan }],
        staticSummary: `Rollout of ${plan.flag}, requested by ${plan.requester}`,
        staticDetails: [
          `**flag** ${plan.flag}  `,
          `**approvers** ${plan.approvers.join(', ')}  `,
          `**ramp** ${plan.ramp.steps.join(', ')} % of ${plan.ramp.type}, soak ${plan.ramp.soak}  `,
          `**verification** ${plan.verification}, budget ${plan.guard.budgetPerDay} events/day`,
        ].join('\n'),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new RolloutClientError(
          `a rollout of ${plan.flag} is already running (workflow ${workflowId}); see \`rollout status ${plan.flag}\` or abort it first`,
        );
      }
      throw err;
    }
    return workflowId;
  }

  /** The rollout's status: live from the workflow, or its final result once it has ended. */
  async status(flag: string): Promise<RolloutStatus> {
    const handle = this.handle(flag);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RolloutClientError(`no rollout of ${flag} was found (workflow ${handle.workflowId})`);
      throw err;
    }
    return this.readStatus(handle, description.status.name, this.statusTimeoutMs);
  }

  /** Rollouts newest first (running ones only unless `all`), at most `limit`, each with its rollout state. */
  async list({ all = false, limit = 50 }: { all?: boolean; limit?: number } = {}): Promise<RolloutSummary[]> {
    const query = `WorkflowType = 'rolloutWorkflow'${all ? '' : " AND ExecutionStatus = 'Running'"}`;
    const rows: RolloutSummary[] = [];
    for await (const info of this.client.workflow.list({ query, pageSize: limit })) {
      const handle = this.client.workflow.getHandle<typeof rolloutWorkflow>(info.workflowId, info.runId);
      // A short deadline: a running rollout without a worker is listed without its state rather than stalling the list.
      const status = await this.readStatus(handle, info.status.name, 3000).catch(() => null);
      rows.push({
        flag: status?.flag ?? info.workflowId.replace(/^rollout-/, ''),
        workflowId: info.workflowId,
        runId: info.runId,
        execution: info.status.name,
        startedAt: info.startTime.toISOString(),
        closedAt: info.closeTime?.toISOString() ?? null,
        state: status?.state ?? null,
        stage: status?.stage ?? null,
        pendingGate: status?.pendingGate ?? null,
        percentage: status?.percentage ?? null,
      });
      if (rows.length >= limit) break;
    }
    return rows;
  }

  async approve(flag: string, approval: Omit<messages.Approval, 'id'>): Promise<DecisionAck> {
    const id = randomUUID();
    await this.signalRunning(flag, () => this.handle(flag).signal(messages.approve, { ...approval, id }));
    return this.awaitDecision(flag, id);
  }

  async reject(flag: string, rejection: Omit<messages.Rejection, 'id'>): Promise<DecisionAck> {
    const id = randomUUID();
    await this.signalRunning(flag, () => this.handle(flag).signal(messages.reject, { ...rejection, id }));
    return this.awaitDecision(flag, id);
  }

  async abort(flag: string, request: messages.Abort): Promise<void> {
    await this.signalRunning(flag, () => this.handle(flag).signal(messages.abort, request));
  }

  /** Polls the status until the workflow has recorded the message `id` as a step or a refusal. */
  async awaitDecision(flag: string, id: string, timeoutMs = 10_000): Promise<DecisionAck> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const status = await this.queryStatus(this.handle(flag), Math.max(500, deadline - Date.now()));
        const refusal = status.refused.find((r) => r.id === id);
        if (refusal) return { outcome: 'refused', reason: refusal.reason, status };
        if (status.steps.some((step) => step.messageId === id)) return { outcome: 'accepted', status };
        // An abort that raced the decision also ends the gate: report that instead of waiting.
        if (status.state !== 'running' && status.state !== 'awaiting-approval') {
          return { outcome: 'refused', reason: `the rollout is ${status.state}`, status };
        }
      } catch (err) {
        lastError = err;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      outcome: 'unconfirmed',
      reason: `the signal was sent but the workflow did not process it within ${timeoutMs / 1000} s: ${
        lastError instanceof Error ? lastError.message : 'is a worker running?'
      }`,
    };
  }

  /** A completed rollout's result is its final status; any other (running, terminated) is replayed to answer the query. */
  private readStatus(handle: WorkflowHandle<typeof rolloutWorkflow>, execution: string, timeoutMs: number): Promise<RolloutStatus> {
    return execution === 'COMPLETED' ? handle.result() : this.queryStatus(handle, timeoutMs);
  }

  /** The status query with a deadline: without a worker, a query would otherwise wait for the server's own timeout. */
  private async queryStatus(handle: WorkflowHandle<typeof rolloutWorkflow>, timeoutMs: number): Promise<RolloutStatus> {
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, () => handle.query(messages.status));
    } catch (err) {
      throw new RolloutClientError(
        `${handle.workflowId} did not answer the status query within ${Math.round(timeoutMs / 1000)} s; is a worker running on task queue ${this.taskQueue} (\`npm run worker\`)? (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }

  handle(flag: string): WorkflowHandle<typeof rolloutWorkflow> {
    return this.client.workflow.getHandle<typeof rolloutWorkflow>(rolloutWorkflowId(flag));
  }

  private async signalRunning(flag: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new RolloutClientError(`no running rollout of ${flag} (workflow ${rolloutWorkflowId(flag)}); it has ended or was never started`);
      }
      throw err;
    }
  }
}
