// Builds the rollout's activities (the only code with I/O) around a flag store, a volume reader, the webhooks and the freeze source.
import { cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkChangeControl, type ChangeControlRequest, type ChangeControlVerdict } from '../change-control/check-change-control';
import { NO_FREEZE_SOURCE, type FreezeSource } from '../change-control/freeze-source';
import { rolloutsHoldingGroup } from './rollouts-holding-group';
import { checkDeployment, type DeploymentCheck, type DeploymentCheckRequest } from '../deployments/deployment-check';
import type { GitLabClient } from '../gitlab/gitlab-client';
import { mergeRequestMergeCommit } from '../gitlab/gitlab-merge-requests-api';
import { MERGE_REQUEST_REFERENCE_PATTERN } from '../workflows/message-schemas';
import type { Environment } from '../flags/environments';
import { sameGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
import type { AppliedChange, FlagStore } from '../flags/flag-store';
import { INVALID_FLAG_INPUT, InvalidFlagInput } from '../flags/invalid-flag-input';
import { deliverNotice } from '../notify/deliver-notice';
import { announceOnIssues } from '../notify/issue-announcement';
import type { NotifySettings } from '../notify/notify-settings';
import type { NoticeDelivery, RolloutNotice } from '../notify/rollout-notice';
import type { VolumeReader, VolumeReading } from '../volume/volume-reader';

export interface ActivityDependencies {
  flagStore: FlagStore;
  volumeReader: VolumeReader;
  /** Where `notify` posts notices (worker configuration, never workflow input: the URLs are secrets); none when absent. */
  notify?: NotifySettings;
  /** Where freezes and incidents are read (none: never frozen). */
  freeze?: FreezeSource;
  /** The GitLab API for deployment checks (none: plans that name a commit ask at gate `deployment`). */
  gitlab?: GitLabClient;
}

export interface FlagChangeRequest {
  flag: string;
  environment: Environment;
  change: FlagChange;
  /** Unique per change in a rollout run: a retry with the same id never applies twice. */
  changeId: string;
}

export interface RevertRequest {
  flag: string;
  environment: Environment;
  /** The id of the rollout's first change here: its store record is the idempotency key and a cross-check. */
  changeId: string;
  /**
   * The gates to restore: the workflow's own copy of what was there before its first change. Absent when the
   * workflow never learnt them (the change's result was lost); the store's record of the change then says.
   */
  before?: FlagGates | null;
}

export interface RevertResult {
  /** False when the change was never applied, so there was nothing to undo. */
  reverted: boolean;
  /** The gates now in place. */
  gates: FlagGates | null;
  /** Why `gates` could not be read (nothing was restored, so the rollback goes on). */
  unreadable?: string;
  /** The gates the restore found and replaced (absent when nothing was restored). */
  found?: FlagGates | null;
  /** Where the restored gates came from, and whether the store's change record agreed with the workflow's copy. */
  source?: 'workflow' | 'change-record';
  changeRecord?: 'matches' | 'missing' | 'differs';
}

export function createActivities({ flagStore, volumeReader, notify, freeze = NO_FREEZE_SOURCE, gitlab }: ActivityDependencies) {
  return {
    rolloutsHoldingGroup,

    /** The merge commit of a merged merge request (`group/project!123`), or null while it is not merged. */
    async mergeRequestCommit(reference: string): Promise<string | null> {
      const match = MERGE_REQUEST_REFERENCE_PATTERN.exec(reference);
      if (!match) throw ApplicationFailure.nonRetryable(`not a merge request reference: ${reference}`, 'InvalidMergeRequest');
      if (!gitlab) throw ApplicationFailure.nonRetryable('no GitLab is configured on the worker (GITLAB_URL, GITLAB_TOKEN): merge requests cannot be read', 'GitLabNotConfigured');
      return mergeRequestMergeCommit(gitlab, match[1]!, Number(match[2]), cancellationSignal());
    },

    /** `feature delete` of the cleanup stage: removes the flag from one environment (a no-op when it is gone already). */
    async deleteFlag(request: { flag: string; environment: Environment }): Promise<void> {
      await flagStore.delete(request.flag, request.environment);
      log.info(`deleted ${request.flag} on ${request.environment}`, { event: 'flag-delete', ...request });
    },

    /** Whether the plan's merge commit is deployed to GitLab environments; fails (and is retried) when GitLab cannot tell. */
    async deploymentStatus(request: DeploymentCheckRequest): Promise<DeploymentCheck> {
      if (!gitlab) {
        throw ApplicationFailure.nonRetryable('no GitLab is configured on the worker (GITLAB_URL, GITLAB_TOKEN): deployments cannot be checked', 'GitLabNotConfigured');
      }
      return checkDeployment(gitlab, request, cancellationSignal());
    },

    /** Before a production change: inside the plan's change window, and no freeze or incident (a local activity). */
    async checkChangeControl(request: ChangeControlRequest): Promise<ChangeControlVerdict> {
      const verdict = await checkChangeControl(request, freeze);
      if (!verdict.allowed) log.info('production change held', { kind: verdict.hold.kind, reason: verdict.hold.reason, until: verdict.hold.until });
      return verdict;
    },

    async applyFlagChange(request: FlagChangeRequest): Promise<AppliedChange> {
      const { flag, environment, change, changeId } = request;
      const applied = await asNonRetryableWhenInvalid(() => flagStore.apply(flag, environment, change, changeId));
      log.info(`changed ${flag} on ${environment}`, { event: 'flag-change', flag, environment, changeId, change, before: { gates: applied.previous }, after: { gates: applied.current } });
      return applied;
    },

    async revertFlagChange(request: RevertRequest): Promise<RevertResult> {
      const { flag, environment, changeId, before } = request;
      const record = await flagStore.changeRecord(changeId);
      const hasCopy = before !== undefined;
      if (!hasCopy && record === null) {
        // Nothing to undo; the current gates are only reported, and a flag the store cannot read must not block the rollback.
        const current = await flagStore.get(flag, environment).then((gates) => ({ gates }), (error: unknown) => ({ gates: null, unreadable: String(error) }));
        log.info(`nothing to restore for ${flag} on ${environment}: the change was never applied`, { event: 'flag-restore', flag, environment, changeId, reverted: false, after: { gates: current.gates }, ...current });
        return { reverted: false, ...current };
      }
      const gates = hasCopy ? before : record!.previous;
      const changeRecord = record === null ? 'missing' : sameGates(record.previous, gates) ? 'matches' : 'differs';
      if (changeRecord !== 'matches') {
        log.warn('restoring from the workflow state; the change record does not agree', { flag, environment, changeId, changeRecord });
      }
      const restored = await asNonRetryableWhenInvalid(() => flagStore.apply(flag, environment, { kind: 'restore', gates }, `${changeId}/revert`));
      const source = hasCopy ? 'workflow' : 'change-record';
      log.info(`restored ${flag} on ${environment}`, {
        event: 'flag-restore',
        flag,
        environment,
        changeId: `${changeId}/revert`,
        reverted: true,
        changed: !sameGates(restored.previous, restored.current),
        before: { gates: restored.previous },
        after: { gates: restored.current },
        source,
        changeRecord,
      });
      return { reverted: true, gates: restored.current, found: restored.previous, source, changeRecord };
    },

    /** Does nothing: its marker ends a wait that its timer ended, after the messages of the same workflow task. */
    async waitEnded(): Promise<void> {
      // Nothing to do: what counts is the marker it leaves in the history.
    },

    async readEventVolume(request: { flag: string; windowSeconds: number }): Promise<VolumeReading> {
      return volumeReader.read(request.flag, new Date(), request.windowSeconds);
    },

    /**
     * Posts the notice to every configured webhook that takes its kind. Never throws for a delivery failure (a dead
     * webhook must not fail or block a rollout): every attempt is in the result. It throws only when the worker
     * itself stops it (shutdown), so that Temporal retries it elsewhere. A retried activity may send a notice again;
     * receivers dedupe on `notice.id`.
     */
    async notify(notice: RolloutNotice): Promise<NoticeDelivery> {
      const targets = notify && notify.kinds.includes(notice.kind) ? notify.targets : [];
      const signal = cancellationSignal();
      // Notes on the plan's GitLab issues (the issue's cross-posts), each at most once per notice.
      const notes = gitlab && notice.issues?.length ? await announceOnIssues(gitlab, notice, signal) : [];
      const posted = notes.filter((a) => a.error === undefined || a.error === 'already posted').map((a) => a.target);
      const notPosted = notes.filter((a) => !posted.includes(a.target)).map((a) => a.target);
      if (targets.length === 0) return { id: notice.id, delivered: posted, failed: notPosted, attempts: notes };
      const delivery = await deliverNotice(notice, targets, {
        policy: notify?.policy,
        signal,
        onFailedAttempt: ({ target, attempt, status, error }) => {
          log.warn('webhook attempt failed', { id: notice.id, target, attempt, status, error });
        },
      });
      if (signal.aborted) throw signal.reason;
      const summary = { id: notice.id, kind: notice.kind, flag: notice.flag, delivered: delivery.delivered, failed: delivery.failed };
      if (delivery.failed.length > 0) log.warn('notice not delivered to every webhook', summary);
      else log.info('notice delivered', summary);
      return { ...delivery, delivered: [...delivery.delivered, ...posted], failed: [...delivery.failed, ...notPosted], attempts: [...delivery.attempts, ...notes] };
    },
  };
}

export type RolloutActivities = ReturnType<typeof createActivities>;

/** Bad input (a validation error from the store) fails the activity at once instead of retrying. */
async function asNonRetryableWhenInvalid<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidFlagInput) {
      throw ApplicationFailure.nonRetryable(err.message, INVALID_FLAG_INPUT);
    }
    throw err;
  }
}
