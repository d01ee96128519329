// The workflow's patch ids: each marks a change of the commands the workflow issues, made with `patched()` so that
// rollouts recorded before it replay unchanged. Never rename or reuse an id; see docs/versioning.md.

/**
 * Once production is touched the guard reads every `guard.interval` in every wait (soaks, gates, verification) with
 * local activities; its rule also tests the full day at the current rate, and a failed read pauses instead of failing.
 * Before: remote read activities, checks only during verification and (sparsely) while gates waited.
 */
export const GUARD_WATCHES_EVERY_INTERVAL = 'guard-watches-every-interval';

/** Messages go through the one schema and the rules of message-rules.ts (reasons required, abort only from the plan's people). */
export const STRICT_MESSAGES = 'strict-messages';

/** A run whose history grows long continues-as-new with its whole state. */
export const CONTINUE_AS_NEW = 'continue-as-new';

/** A rolled-back rollout closes as a failed workflow (RolloutRolledBack, or RolloutRollbackFailed when a restore failed). */
export const ROLLBACK_CLOSES_AS_FAILURE = 'rollback-closes-as-failure';

/**
 * The operator's view: search attributes upserted at every change, notifications through the `notify` activity, and
 * gate reminders at 50 % and 90 % of the deadline (timers).
 */
export const OPERATOR_VIEW = 'operator-view';

/** Before every production change: a check of the plan's change window and of freezes (a local activity), and holds. */
export const CHANGE_CONTROL = 'change-control';

/** At the start of the ramp a notice announces when the global enable is expected (an extra notify activity). */
export const ANNOUNCEMENTS = 'announcements';

/**
 * A wait whose timer fired acts on that timer (its guard check, or its end) even when a message came in the same
 * activation, and in that activation time is the timer's end (WorkflowClock): live and replay then agree after a
 * worker's death (see docs/versioning.md).
 */
export const FIRED_TIMER_CLOCK = 'fired-timer-clock';

/**
 * A wait that its own timer ends records a marker (the `waitEnded` local activity) before the code after it runs, so
 * that a message which came in the same workflow task is seen there whatever order the worker hands them over in (a
 * worker that had the rollout in its cache gives the fired timer first, a fresh one the message; see docs/versioning.md).
 */
export const WAIT_END_MARKER = 'wait-end-marker';

/**
 * In the activation that gets a local activity's result, time is the time the activity was asked for (WorkflowClock):
 * a worker that took the rollout over from one killed mid-task can hand the result over in a later workflow task than
 * a replay does, so a decision on the time read there (the guard's next check) differed between them (see
 * docs/versioning.md).
 */
export const LOCAL_ACTIVITY_CLOCK = 'local-activity-clock';
