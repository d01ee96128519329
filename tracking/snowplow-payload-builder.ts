// Builds one HLL event's Snowplow payload with @snowplow/node-tracker and serialises it once, as a tp2 batch element.
import { buildStructEvent, newTracker, type Emitter, type Payload } from '@snowplow/node-tracker';

/** The context the monolith attaches to HLL events routed to Snowplow. */
export const SERVICE_PING_CONTEXT_SCHEMA = 'iglu:com.gitlab/gitlab_service_ping/jsonschema/1-0-0';

export interface PayloadBuilderOptions {
  /** Structured event category. Default `Gitlab::UsageDataCounters::HLLRedisCounter`, the class that counts HLL events. */
  category?: string;
  /** Tracker namespace (`tna`). Default `gl`, GitLab's. */
  trackerNamespace?: string;
  /** Application id (`aid`). Default `gitlab`. */
  appId?: string;
}

/** Builds the payload of `event` tracked at `trackedAtMs` and returns its JSON: one element of a tp2 `data` array. */
export type PayloadBuilder = (event: string, trackedAtMs: number) => string;

/** An emitter that sends nothing: the payload is taken from track()'s return value instead. */
const NO_EMITTER: Emitter = {
  input: () => Promise.resolve(),
  flush: () => Promise.resolve(),
  setCollectorUrl: () => undefined,
  setAnonymousTracking: () => undefined,
  setBufferSize: () => undefined,
};

export function createPayloadBuilder(options: PayloadBuilderOptions = {}): PayloadBuilder {
  const category = options.category ?? 'Gitlab::UsageDataCounters::HLLRedisCounter';
  const tracker = newTracker(
    { namespace: options.trackerNamespace ?? 'gl', appId: options.appId ?? 'gitlab', encodeBase64: false },
    { customEmitter: () => NO_EMITTER },
  );
  return (event, trackedAtMs) => {
    const payload = tracker.track(
      buildStructEvent({ category, action: event, property: event }),
      [{ schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event } }],
      { type: 'dtm', value: trackedAtMs },
    );
    if (!payload) throw new Error(`Snowplow payload for event ${event}: the tracker built none (a plugin filtered it out)`);
    return JSON.stringify(asPostBody(payload));
  };
}

/** The collector's payload_data schema wants every field as a string, as tracker-core's own POST does (value.toString()). */
function asPostBody(payload: Payload): Payload {
  for (const key in payload) {
    const value = payload[key];
    if (typeof value !== 'string') payload[key] = String(value);
  }
  return payload;
}
