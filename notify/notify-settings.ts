// What the worker's `notify` activity is configured with: the webhooks, the notice kinds they get, the delivery policy.
import type { DeliveryPolicy } from './delivery-policy';
import type { NoticeKind } from './rollout-notice';
import type { WebhookTarget } from './webhook-target';

export interface NotifySettings {
  /** From ROLLOUT_WEBHOOKS; none means `notify` returns at once with nothing delivered. */
  targets: readonly WebhookTarget[];
  /** From ROLLOUT_WEBHOOK_KINDS (every kind by default): a notice of another kind is sent nowhere. */
  kinds: readonly NoticeKind[];
  /** Overrides of DEFAULT_DELIVERY_POLICY (tests shorten the waits). */
  policy?: Partial<DeliveryPolicy>;
}
