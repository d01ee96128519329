// Replays every recorded history against the current workflow code, so a change that running rollouts would not survive fails here.
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { readHistoryCorpus, type CorpusHistory } from './support/history-corpus';
import { mutatedWorkflowBundle } from './support/mutated-workflow-bundle';
import { ROLLOUT_WORKFLOW_OPTIONS } from '../worker/create-rollout-worker';

/** Every path a rollout can take, recorded at least once before OPERATOR_VIEW (test/histories/v2, from `npm run record-histories`). */
const REQUIRED_SCENARIOS = [
  'happy-path',
  'reject-at-staging-qa',
  'reject-at-production-qa',
  'reject-at-global-readiness',
  'gate-deadline',
  'abort-in-soak',
  'abort-in-gate',
  'abort-in-verification',
  'cancel',
  'breach-in-soak',
  'breach-in-gate',
  'breach-in-verification',
  'breach-by-full-day-projection',
  'projected-hold-approve',
  'projected-hold-reject',
  'projected-breach-rollback',
  'inconclusive-escalation-approve',
  'unreadable-then-reject-at-volume-review',
  'continue-as-new-then-breach.run-1',
  'continue-as-new-then-breach.run-2',
  'continue-as-new-then-breach.run-3',
  'manual-change-overwritten',
  'restore-fails',
  'flag-write-fails',
];

/** Recorded since OPERATOR_VIEW (test/histories/v3): every path again, and the paths it added. */
const REQUIRED_V3_SCENARIOS = [...REQUIRED_SCENARIOS, 'notifications-and-reminders', 'pause-resume-soak', 'pause-resume-gate', 'two-approvals'];

/** Recorded since CHANGE_CONTROL (test/histories/v4): the main paths again, and the holds it added. */
const REQUIRED_V4_SCENARIOS = ['happy-path', 'reject-at-staging-qa', 'reject-at-production-qa', 'gate-deadline', 'abort-in-soak', 'breach-in-verification', 'change-window-weekend', 'freeze-hold'];

/** Recorded since deployment checks and ANNOUNCEMENTS (test/histories/v5). */
const REQUIRED_V5_SCENARIOS = [...REQUIRED_V4_SCENARIOS, 'deployment-timeout-reject', 'cleanup-timeout'];

/**
 * Recorded since FIRED_TIMER_CLOCK (test/histories/v6): the paths that wait most, and two histories of
 * test/e2e-two-workers.test.ts in which a timer fired while its worker was dead (one with an approval in the same task).
 */
const REQUIRED_V6_SCENARIOS = [
  ...REQUIRED_V5_SCENARIOS,
  'notifications-and-reminders',
  'pause-resume-soak',
  'pause-resume-gate',
  'worker-killed-gate-approved',
  'worker-killed-in-soak',
];

/**
 * Recorded since WAIT_END_MARKER (test/histories/v7): every path again, and five histories of
 * test/e2e-failover-timer-end.test.ts in which a wait's own timer ended it while its worker was dead and a message came
 * in the same task (a reminder, a deadline by update with and without a cached survivor, a deadline by signal, a soak).
 */
const REQUIRED_V7_SCENARIOS = [
  ...REQUIRED_V3_SCENARIOS,
  'change-window-weekend',
  'freeze-hold',
  'deployment-timeout-reject',
  'cleanup-timeout',
  'worker-killed-gate-reminder-approved',
  'worker-killed-gate-deadline-approved',
  'worker-killed-gate-deadline-approved-fresh',
  'worker-killed-gate-deadline-signalled',
  'worker-killed-soak-end-aborted',
];

/** Recorded once the guard's reads, the change-control check and waitEnded keep the time they were asked for (local-activity-clock). */
const REQUIRED_V8_SCENARIOS = REQUIRED_V7_SCENARIOS;

let corpus: CorpusHistory[];

beforeAll(() => {
  installQuietRuntime();
  corpus = readHistoryCorpus();
});

/** Names of the corpus histories (all, or those named) that `options` cannot replay. */
async function failingReplays(options: ReplayWorkerOptions, only?: string[]): Promise<string[]> {
  const failing: string[] = [];
  const histories = corpus.filter(({ name }) => !only || only.includes(name)).map(({ name, history }) => ({ workflowId: name, history }));
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) failing.push(result.workflowId);
  }
  return failing;
}

it('holds a recording of every path, and the pre-continue-as-new rollout of the first release', () => {
  const names = corpus.map((c) => c.name);
  for (const scenario of REQUIRED_SCENARIOS) expect(names).toContain(`v2/${scenario}`);
  for (const scenario of REQUIRED_V3_SCENARIOS) expect(names).toContain(`v3/${scenario}`);
  for (const scenario of REQUIRED_V4_SCENARIOS) expect(names).toContain(`v4/${scenario}`);
  for (const scenario of REQUIRED_V5_SCENARIOS) expect(names).toContain(`v5/${scenario}`);
  for (const scenario of REQUIRED_V6_SCENARIOS) expect(names).toContain(`v6/${scenario}`);
  for (const scenario of REQUIRED_V7_SCENARIOS) expect(names).toContain(`v7/${scenario}`);
  for (const scenario of REQUIRED_V8_SCENARIOS) expect(names).toContain(`v8/${scenario}`);
  expect(names).toContain('v1/happy-path');
});

/** Replays of the whole corpus (every generation): ~80 s on a quiet machine, over 120 s beside two busy processes. */
const REPLAY_TIMEOUT_MS = 300_000;

it('replays every recorded history with the current workflow code', async () => {
  expect(await failingReplays(ROLLOUT_WORKFLOW_OPTIONS)).toEqual([]);
}, REPLAY_TIMEOUT_MS);

it.each<[string, string, string, string, string[]]>([
  [
    'the production-qa gate is removed',
    'rollout-stages.ts',
    "await step(ctx, 'production-qa', async () => void (await gate(ctx, 'production-qa')));",
    '',
    ['v2/happy-path', 'v2/reject-at-global-readiness', 'v1/happy-path'],
  ],
  ['the guard stops reading while gates wait', 'volume-guard.ts', 'if (!this.watching) return NEVER;', "if (!this.watching || kind === 'gate') return NEVER;", ['v2/breach-in-gate']],
  ['the guard stops reading during soaks', 'volume-guard.ts', 'if (!this.watching) return NEVER;', "if (!this.watching || kind === 'soak') return NEVER;", ['v2/breach-in-soak']],
  ['gates remind only once', 'waits.ts', 'REMINDER_FRACTIONS = [0.5, 0.9] as const;', 'REMINDER_FRACTIONS = [0.5] as const;', ['v3/notifications-and-reminders']],
  [
    'search attributes are no longer upserted',
    'operator-view.ts',
    'upsertSearchAttributes(changed.map(',
    'void (changed.map(',
    ['v3/happy-path', 'v3/two-approvals', 'v3/pause-resume-gate'],
  ],
  ['production changes are no longer held by the change window', 'change-control.ts', 'if (!patched(CHANGE_CONTROL)) return;', 'return;', ['v4/change-window-weekend', 'v4/freeze-hold', 'v4/happy-path']],
  ['the ramp no longer announces the global enable', 'rollout-stages.ts', 'if (patched(ANNOUNCEMENTS)) {', 'if (false) {', ['v5/happy-path']],
  ['a message that comes with a fired timer wins over it again', 'waits.ts', 'if (clock.firedTimerRules) {', 'if (false) {', ['v6/worker-killed-gate-approved', 'v6/worker-killed-in-soak']],
  [
    'a wait its timer ended goes on without its marker again',
    'waits.ts',
    'if (clock.markWaitEnds) await',
    'if (false as boolean) await',
    ['v7/worker-killed-gate-deadline-approved', 'v7/worker-killed-soak-end-aborted', 'v7/happy-path', 'v7/gate-deadline'],
  ],
  ['continue-as-new comes later', 'continue-as-new.ts', 'CONTINUE_AS_NEW_AFTER_EVENTS = 4000;', 'CONTINUE_AS_NEW_AFTER_EVENTS = 40000;', ['v2/continue-as-new-then-breach.run-1']],
])('fails the replay when %s', async (_change, file, text, replacement, mustFail) => {
  expect((await failingReplays(await mutatedWorkflowBundle(file, text, replacement), mustFail)).sort()).toEqual([...mustFail].sort());
}, REPLAY_TIMEOUT_MS);
