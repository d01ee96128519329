// Client-side operations on rollouts: start, status, list, and approve/reject/abort as updates with a true answer.
import { randomUUID } from 'node:crypto';
import { ROLLOUT_GROUP } from '../workflows/search-attributes';
import { formatCount } from '../text/format-count';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { RolloutPlan } from '../plan/rollout-plan';
import type { MessageKind, MessagePayloads } from '../workflows/message-schemas';
import * as messages from '../workflows/messages';
import { ROLLBACK_FAILED_FAILURE, ROLLED_BACK_FAILURE } from '../workflows/rollout-failures';
import type { rolloutWorkflow } from '../workflows/rollout-workflow';
import { rolloutWorkflowId, type RolloutStatus } from '../workflows/rollout-status';
import { CliError, EXIT_CODES } from './cli-errors';
import { rolloutListQuery, type RolloutListFilter } from './rollout-list-query';
import { summaryOf, type RolloutSummary } from './rollout-summary';

/** What `observe` saw: the execution as visibility lists it, and the status or why no worker gave it. */
export type RolloutObservation = { execution: RolloutSummary; status: RolloutStatus } | { execution: RolloutSummary; status: null; noAnswer: string };

/** The rollout took the message: when, and where it stood then. */
export type MessageTaken = messages.MessageAccepted;

export class RolloutClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** How long `status` waits for a worker to answer the query: past the 10 s in which the server offers a query to the sticky queue of a worker that died before another worker answers it. */
    private readonly statusTimeoutMs = 15_000,
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
          `**verification** ${plan.verification}, budget ${formatCount(plan.guard.budgetPerDay)} events/day`,
        ].join('\n'),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new CliError(
          `a rollout of ${plan.flag} is already running (workflow ${workflowId}); see \`rollout status ${plan.flag}\` or abort it first`,
          EXIT_CODES.refused,
        );
      }
      throw err;
    }
    return workflowId;
  }

  /** The rollout's status: live from the workflow, or its final status once it has ended (no worker needed then). */
  async status(flag: string): Promise<RolloutStatus> {
    const seen = await this.observe(flag);
    if (seen.status) return seen.status;
    throw new CliError(seen.noAnswer, EXIT_CODES.noAnswer);
  }

  /**
   * One look at a rollout, for following it: Temporal's view of the execution (always) and the rollout's status, or
   * why no worker answered the status query within `queryTimeoutMs` (a rollout that has ended needs no worker).
   */
  async observe(flag: string, queryTimeoutMs = this.statusTimeoutMs): Promise<RolloutObservation> {
    const handle = this.handle(flag);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no rollout of ${flag} was found (workflow ${handle.workflowId})`, EXIT_CODES.notFound);
      throw err;
    }
    const execution = summaryOf(description);
    try {
      return { execution, status: await this.readStatus(handle, description.status.name, queryTimeoutMs) };
    } catch (err) {
      if (err instanceof CliError && err.exitCode === EXIT_CODES.noAnswer) return { execution, status: null, noAnswer: err.message };
      throw err;
    }
  }

  /**
   * Rollouts newest first, at most `limit`, that match `filter` (running ones only unless `all` or a state is given):
   * one visibility query, each row from the execution's search attributes, so it answers with no worker running.
   */
  /** The running rollouts that hold exclusive group `group` (one visibility query; no worker needed). */
  async holdersOf(group: string): Promise<string[]> {
    const holders: string[] = [];
    for await (const info of this.client.workflow.list({ query: `${ROLLOUT_GROUP.name} = "${group}" AND ExecutionStatus = "Running"` })) holders.push(info.workflowId);
    return holders;
  }

  async list(filter: RolloutListFilter = {}, limit = 50): Promise<RolloutSummary[]> {
    const rows: RolloutSummary[] = [];
    for await (const info of this.client.workflow.list({ query: rolloutListQuery(filter), pageSize: limit })) {
      rows.push(summaryOf(info));
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /**
   * Sends approve, reject or abort as an update and waits up to `waitMs` for the workflow's answer. Resolves when the
   * rollout took it; throws CliError: refused (with the reason), not found, or no answer — and in that case says
   * whether the message is in the rollout's history after all (then it resolves) or still waits for a worker.
   */
  async send<K extends MessageKind>(flag: string, kind: K, payload: MessagePayloads[K], waitMs: number): Promise<MessageTaken> {
    const handle = this.handle(flag);
    const updateId = randomUUID();
    try {
      return await this.client.withDeadline(Date.now() + waitMs, () =>
        handle.executeUpdate(messages.UPDATES[kind] as typeof messages.approveUpdate, { args: [payload as MessagePayloads['approve']], updateId }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const reason = err.cause instanceof Error ? err.cause.message : err.message;
        throw new CliError(`refused: ${reason}`, EXIT_CODES.refused);
      }
      if (err instanceof WorkflowNotFoundError) {
        throw new CliError(`no running rollout of ${flag} (workflow ${handle.workflowId}): it has ended or was never started`, EXIT_CODES.notFound);
      }
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        const history = await this.findTakenUpdate(handle, updateId).catch(() => null);
        if (history?.taken) return history.taken;
        // The workflow checks a queued message when a worker picks it up; before its first workflow task no gate is pending.
        const outcome =
          history?.neverRun && kind !== 'abort'
            ? `No worker has run this rollout yet, so no gate is pending: when one does, the rollout will refuse this ${kind}; send it again once the gate is pending`
            : `It stays queued on the Temporal server until a worker picks the rollout up (if that is before the server restarts); ` +
              `the rollout then takes it if it is still allowed (e.g. that gate is still pending) and otherwise refuses it without a trace`;
        throw new CliError(
          `no worker answered within ${Math.round(waitMs / 1000)} s (task queue ${this.taskQueue}): the ${kind} is not in the rollout's history yet. ` +
            `${outcome}; check with \`rollout status ${flag}\` before sending it again.`,
          EXIT_CODES.noAnswer,
        );
      }
      throw err;
    }
  }

  /**
   * The answer of update `updateId` when the rollout's history shows it was taken (a worker answered after our deadline),
   * and whether no worker has run the rollout yet (a first run without a completed workflow task).
   */
  private async findTakenUpdate(handle: WorkflowHandle<typeof rolloutWorkflow>, updateId: string): Promise<{ taken: MessageTaken | null; neverRun: boolean }> {
    const events = (await handle.fetchHistory()).events ?? [];
    const continued = Boolean(events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
    const neverRun = !continued && !events.some((event) => event.workflowTaskCompletedEventAttributes);
    for (const event of events) {
      const completed = event.workflowExecutionUpdateCompletedEventAttributes;
      if (completed?.meta?.updateId !== updateId) continue;
      const payload = completed.outcome?.success?.payloads?.[0];
      return { taken: payload ? defaultPayloadConverter.fromPayload<MessageTaken>(payload) : null, neverRun };
    }
    return { taken: null, neverRun };
  }

  /** A finished rollout's status comes from its result or failure details; any other is asked by query (needs a worker). */
  private async readStatus(handle: WorkflowHandle<typeof rolloutWorkflow>, execution: string, timeoutMs: number): Promise<RolloutStatus> {
    if (execution === 'COMPLETED') return handle.result();
    if (execution === 'FAILED') {
      const final = await handle.result().then(
        () => null,
        (err: unknown) => finalStatusOf(err),
      );
      if (final) return final;
    }
    return this.queryStatus(handle, timeoutMs);
  }

  /** The status query with a deadline: without a worker, a query would otherwise wait for the server's own timeout. */
  private async queryStatus(handle: WorkflowHandle<typeof rolloutWorkflow>, timeoutMs: number): Promise<RolloutStatus> {
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, () => handle.query(messages.status));
    } catch (err) {
      throw new CliError(
        `${handle.workflowId} did not answer the status query within ${Math.round(timeoutMs / 1000)} s; is a worker running on task queue ${this.taskQueue} (\`npm run worker\`)? (${err instanceof Error ? err.message : String(err)})`,
        EXIT_CODES.noAnswer,
      );
    }
  }

  handle(flag: string): WorkflowHandle<typeof rolloutWorkflow> {
    return this.client.workflow.getHandle<typeof rolloutWorkflow>(rolloutWorkflowId(flag));
  }
}

/** The final status a rolled-back or failed rollout closed with (its failure's details), or null for other errors. */
export function finalStatusOf(error: unknown): RolloutStatus | null {
  const failure = error instanceof WorkflowFailedError ? error.cause : error;
  if (!(failure instanceof ApplicationFailure)) return null;
  if (failure.type !== ROLLED_BACK_FAILURE && failure.type !== ROLLBACK_FAILED_FAILURE) return null;
  return (failure.details?.[0] as RolloutStatus | undefined) ?? null;
}
