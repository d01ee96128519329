// Refreshes the tracking path's gauges (Snowplow events sent, failed, dropped today; outbox depth) from Redis every few seconds.
import type { MetricMeter } from '@temporalio/common';
import type { RedisClient } from '../redis/redis-client';
import { readTrackingCounters, type TrackingCounters } from './read-tracking-counters';

/** The gauges' names: one definition, docs/observability.md describes each. */
export const TRACKING_GAUGES = {
  sent: 'snowplow_events_sent_today',
  failed: 'snowplow_events_failed_today',
  dropped: 'snowplow_events_dropped_today',
  outboxDepth: 'snowplow_outbox_depth',
  outboxes: 'snowplow_outboxes',
  readAt: 'snowplow_counters_read_timestamp_seconds',
} as const;

export const TRACKING_REFRESH_MS = 15_000;

export interface TrackingGaugesOptions {
  meter: MetricMeter;
  redis: RedisClient;
  /** The flag the tracking path sends behind (TRACKED_FLAG): the `flag` label. */
  flag: string;
  /** Where Redis is (password masked), for the error line. */
  redisTarget: string;
  /** Called with a failed read (once per distinct error until a read succeeds again). */
  onError: (message: string) => void;
  intervalMs?: number;
}

export interface TrackingGauges {
  /** Reads now and sets the gauges (also what the timer does); never rejects. */
  refresh(): Promise<TrackingCounters | null>;
  stop(): void;
}

export function startTrackingGauges({ meter, redis, flag, redisTarget, onError, intervalMs = TRACKING_REFRESH_MS }: TrackingGaugesOptions): TrackingGauges {
  const tagged = meter.withTags({ flag });
  const gauge = (name: string, description: string, valueType: 'int' | 'float' = 'int') => tagged.createGauge(name, valueType, undefined, description);
  const gauges = {
    sent: gauge(TRACKING_GAUGES.sent, 'Snowplow events sent behind the flag today (UTC), as the volume guard reads them'),
    failed: gauge(TRACKING_GAUGES.failed, 'Snowplow send attempts that failed today (UTC); the events may still be retried'),
    dropped: gauge(TRACKING_GAUGES.dropped, 'Snowplow events lost today (UTC): outbox bound exceeded or rejected for good'),
    outboxDepth: gauge(TRACKING_GAUGES.outboxDepth, 'events waiting in the Snowplow outboxes of every tracking instance'),
    outboxes: gauge(TRACKING_GAUGES.outboxes, 'Snowplow outboxes (tracking instances) found in Redis'),
    readAt: gauge(TRACKING_GAUGES.readAt, 'when these counters were last read from Redis (Unix seconds)', 'float'),
  };
  let lastError: string | null = null;
  let running: Promise<TrackingCounters | null> | null = null;
  const refresh = () =>
    (running ??= readTrackingCounters(redis, flag, new Date())
      .then((counters) => {
        for (const key of ['sent', 'failed', 'dropped', 'outboxDepth', 'outboxes'] as const) gauges[key].set(counters[key]);
        gauges.readAt.set(Date.now() / 1000);
        lastError = null;
        return counters;
      })
      .catch((error: unknown) => {
        const message = `cannot read the tracking counters of ${flag} from Redis at ${redisTarget}: ${error instanceof Error ? error.message : String(error)}`;
        if (message !== lastError) onError(message);
        lastError = message;
        return null;
      })
      .finally(() => (running = null)));
  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
