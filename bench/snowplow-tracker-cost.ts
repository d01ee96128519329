// Benchmark: what @snowplow/node-tracker's track() costs by itself (no store, no network) — the floor under our path.
// Run with `npx tsx bench/snowplow-tracker-cost.ts [events]`; no servers are needed.
import { buildStructEvent, newTracker, type EventStore } from '@snowplow/node-tracker';
import { SERVICE_PING_CONTEXT_SCHEMA } from '../tracking/snowplow-sender';

const EVENTS = Number(process.argv[2] ?? 200_000);

/** Accepts and forgets every event: only the tracker's own payload building is measured. */
const nullStore: EventStore = {
  count: () => Promise.resolve(0),
  add: () => Promise.resolve(0),
  removeHead: () => Promise.resolve(),
  iterator: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }),
  getAll: () => Promise.resolve([]),
  getAllPayloads: () => Promise.resolve([]),
};

const tracker = newTracker(
  { namespace: 'gl', appId: 'gitlab', encodeBase64: false },
  { endpoint: 'http://127.0.0.1:9', eventStore: nullStore, bufferSize: Number.MAX_SAFE_INTEGER },
);
const event = 'g_edit_by_web_ide';
const started = process.hrtime.bigint();
for (let i = 0; i < EVENTS; i++) {
  tracker.track(buildStructEvent({ category: 'Gitlab::UsageDataCounters::HLLRedisCounter', action: event, property: event }), [
    { schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event } },
  ]);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`tracker.track() alone: ${EVENTS} events in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds).toLocaleString('en-US')} events/s (${((1e6 * seconds) / EVENTS).toFixed(1)} µs each)`);
