// What operators see of a rollout outside its status query: search attributes, the UI's current details, notifications.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { condition, log, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/create-activities';
import { renderDetails } from './current-details';
import { RolloutMetrics } from './rollout-metrics';
import type { RolloutProgress } from './rollout-progress';
import type { RolloutStatus } from './rollout-status';
import { FLAG_NAME, NO_PENDING_GATE, PENDING_GATE, REQUESTER, ROLLOUT_GROUP, ROLLOUT_PERCENT, ROLLOUT_STAGE, ROLLOUT_STATE } from './search-attributes';

/** How long a rollout that ends waits for its last notifications to be delivered (or given up) before it closes. */
const LAST_NOTICES_WAIT = '2m';

/**
 * Notifications: the activity never fails for a dead webhook (it records every attempt in its result); these retries
 * only cover a worker lost mid-delivery, so a receiver may see a notice twice and dedupes on its id.
 */
const { notify } = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '90s',
  retry: { initialInterval: '5s', maximumAttempts: 3 },
});

export class OperatorView {
  private published: Partial<Record<string, string | number | null>> = {};
  private readonly deliveries = new Set<Promise<unknown>>();
  private readonly metrics = new RolloutMetrics();

  /** `enabled` is false for rollouts recorded before OPERATOR_VIEW: their commands stay as they were. */
  constructor(
    private readonly progress: RolloutProgress,
    readonly enabled: boolean,
  ) {
    progress.onChange = () => this.refresh();
  }

  /** Renders the current details, sets the gauges, upserts the search attributes that changed and hands queued notices to `notify`. */
  refresh(): void {
    const status = this.progress.status();
    setCurrentDetails(renderDetails(status, this.progress.details));
    this.metrics.publish(status);
    if (!this.enabled) return;
    this.upsert(status);
    for (const notice of this.progress.takeNotices()) {
      const delivery = notify(notice).catch((error: unknown) => log.warn('notification not delivered', { id: notice.id, error: String(error) }));
      this.deliveries.add(delivery);
      void delivery.finally(() => this.deliveries.delete(delivery));
    }
  }

  /** Before the workflow closes or continues-as-new: sends what is queued and waits (bounded) for the deliveries. */
  async settle(): Promise<void> {
    if (!this.enabled) return;
    this.refresh();
    if (this.deliveries.size > 0) await condition(() => this.deliveries.size === 0, LAST_NOTICES_WAIT);
  }

  private upsert(status: RolloutStatus): void {
    const values: Array<[SearchAttributeUpdatePair['key'], string | number | null]> = [
      [FLAG_NAME, status.flag],
      [REQUESTER, status.requester.toLowerCase()], // usernames compare without case; lists filter on lower case
      [ROLLOUT_STATE, status.state],
      [ROLLOUT_STAGE, status.stage],
      [PENDING_GATE, status.pendingGate ?? NO_PENDING_GATE],
      [ROLLOUT_PERCENT, status.percentage],
    ];
    // Only rollouts with an exclusive group have this one: set while they hold the group, removed when they back off.
    if (status.exclusive) values.push([ROLLOUT_GROUP, status.exclusive.holds ? status.exclusive.group : null]);
    const changed = values.filter(([key, value]) => this.published[key.name] !== value);
    if (changed.length === 0) return;
    upsertSearchAttributes(changed.map(([key, value]) => ({ key, value }) as SearchAttributeUpdatePair));
    for (const [key, value] of changed) this.published[key.name] = value;
  }
}
