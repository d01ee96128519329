// Test workflow: calls the rollout worker's `notify` activity once, to prove a real worker registers and runs it.
import { proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../../activities/create-activities';
import type { NoticeDelivery, RolloutNotice } from '../../notify/rollout-notice';

const { notify } = proxyActivities<RolloutActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

export async function notifyOnce(notice: RolloutNotice): Promise<NoticeDelivery> {
  return notify(notice);
}
