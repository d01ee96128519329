// The rollout's clock: workflow time, except in the activation where a wait's timer fired (that timer's end) or a local activity's result came (the time it was asked for).
import { patched, workflowInfo } from '@temporalio/workflow';
import { FIRED_TIMER_CLOCK, LOCAL_ACTIVITY_CLOCK, WAIT_END_MARKER } from './patches';

/**
 * Decisions after a wait compare "now" with the ends of waits and the guard's next check. When a worker dies and its
 * sticky workflow task times out, the worker that takes the rollout over gets the fired timer in an activation of its
 * own that carries the time of the last completed task (before the timer's end), and a message of the same task in a
 * second activation; a replay of the same history gets both in one activation at the new task's time (TS SDK 1.24,
 * test/e2e-two-workers.test.ts). So in the activation where a wait's timer fired, this clock reads that timer's end,
 * live and in replay alike; from the next activation on it is workflow time again. Rollouts recorded before
 * FIRED_TIMER_CLOCK keep plain workflow time.
 */
export class WorkflowClock {
  /** False for rollouts recorded before FIRED_TIMER_CLOCK: plain workflow time, waits as they were. */
  readonly firedTimerRules: boolean;
  /** True when a wait that its timer ended records the waitEnded marker before going on (WAIT_END_MARKER). */
  readonly markWaitEnds: boolean;
  /** True when, in the activation that gets a local activity's result, time is the time it was asked for (LOCAL_ACTIVITY_CLOCK). */
  readonly localActivityRules: boolean;
  /**
   * `activation` is workflowInfo().unsafe: the SDK (1.24) makes a new one for each activation (and while an update's
   * validator runs, which is before the workflow code resumes), not when search attributes are upserted.
   */
  private pinned: { at: number; activation: object } | null = null;

  constructor() {
    this.firedTimerRules = patched(FIRED_TIMER_CLOCK);
    // Asked once at the start of a run, like FIRED_TIMER_CLOCK: a run recorded before goes on without the markers.
    this.markWaitEnds = this.firedTimerRules && patched(WAIT_END_MARKER);
    this.localActivityRules = this.markWaitEnds && patched(LOCAL_ACTIVITY_CLOCK);
  }

  now(): number {
    const pinned = this.pinned;
    if (pinned === null) return Date.now();
    if (pinned.activation === workflowInfo().unsafe) return pinned.at;
    this.pinned = null; // a later activation
    return Date.now();
  }

  /** A wait's timer that ends at `at` (epoch ms) fired in this activation: until it ends, time is `at`. */
  timerFired(at: number): void {
    if (this.firedTimerRules) this.pin(at);
  }

  /**
   * Runs a local activity. Its result reaches the workflow at a time that live and replay may see differently: the
   * worker that takes a rollout over from one killed mid-task hands it over in a new workflow task (at that task's
   * time), where a replay hands it over at the time in its marker. So, in the activation that gets the result (or
   * the failure), time is the time the activity was asked for, which both agree on.
   */
  async local<T>(run: () => Promise<T>): Promise<T> {
    if (!this.localActivityRules) return run();
    const askedAt = this.now();
    try {
      return await run();
    } finally {
      this.pin(askedAt);
    }
  }

  private pin(at: number): void {
    this.pinned = { at, activation: workflowInfo().unsafe };
  }
}
