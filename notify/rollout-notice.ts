// The notice the rollout workflow hands to the `notify` activity, and what its delivery returns (workflow-safe: types only).

export const NOTICE_KINDS = ['gate-opened','gate-reminder','production-change','breach','volume-review','rolled-back','rollback-failed','completed','paused','resumed','held','global-eta'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export interface RolloutNotice {
  /** Unique per notice in a rollout (the receiver may dedupe on it), e.g. `${workflowId}/${runId}/${seq}`. */
  id: string;
  kind: NoticeKind;
  flag: string;
  workflowId: string;
  /** Workflow time (ISO 8601). */
  at: string;
  /** One line saying what happened, e.g. "production-qa waits for approval by alice or bob". */
  text: string;
  gate?: string;
  /** Exact CLI commands that decide the gate, e.g. ["rollout approve my_flag --gate production-qa --by <you>"]. */
  commands?: string[];
  /** Gate deadline (ISO 8601, UTC). */
  deadline?: string;
  percentage?: number;
  environment?: string;
  /** GitLab issues (`group/project#123`) the notice is also posted on as a note, when the worker has GitLab. */
  issues?: string[];
}
export interface NoticeAttempt { target: string; attempt: number; at: string; status?: number; error?: string; ms: number }
export interface NoticeDelivery { id: string; delivered: string[]; failed: string[]; attempts: NoticeAttempt[] }

/** `group/project#123`: an issue that announcements go to (plans name them; they are no secret). */
export const ISSUE_REFERENCE_PATTERN = /^([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)#(\d+)$/;

/** The notice kinds that make up the rollout issue's cross-posts, posted on the plan's `announce.issues`. */
export const ANNOUNCED_KINDS: readonly NoticeKind[] = ['global-eta', 'production-change', 'breach', 'rolled-back', 'rollback-failed', 'completed'];
