// Benchmark: what @snowplow/node-tracker's track() costs by itself (no store, no network) — the floor under our path.
// Run with `npx tsx bench/snowplow-tracker-cost.ts [events]`; no servers are needed. bench/tracking-throughput.ts runs it too.
import { readFileSync } from 'node:fs';
import { buildStructEvent, newTracker, type EventStore } from '@snowplow/node-tracker';
import { SERVICE_PING_CONTEXT_SCHEMA } from '../tracking/snowplow-payload-builder';

/** Accepts and forgets every event: only the tracker's own payload building is measured. */
const nullStore: EventStore = {
  count: () => Promise.resolve(0),
  add: () => Promise.resolve(0),
  removeHead: () => Promise.resolve(),
  iterator: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }),
  getAll: () => Promise.resolve([]),
  getAllPayloads: () => Promise.resolve([]),
};

export interface TrackerCost {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU seconds of the calling thread during the timed calls (Linux /proc; NaN elsewhere): robust to a busy machine. */
  cpuSeconds: number;
}

/** Times `events` tracker.track() calls of the tracking path's event on one thread, after a warm-up of a tenth as many. */
export function measureTrackerAlone(events: number): TrackerCost {
  const tracker = newTracker(
    { namespace: 'gl', appId: 'gitlab', encodeBase64: false },
    { endpoint: 'http://127.0.0.1:9', eventStore: nullStore, bufferSize: Number.MAX_SAFE_INTEGER },
  );
  const event = 'g_edit_by_web_ide';
  const track = () =>
    tracker.track(buildStructEvent({ category: 'Gitlab::UsageDataCounters::HLLRedisCounter', action: event, property: event }), [
      { schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event } },
    ]);
  for (let i = 0; i < Math.ceil(events / 10); i++) track();
  const cpuBefore = threadCpuSeconds();
  const started = process.hrtime.bigint();
  for (let i = 0; i < events; i++) track();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events, seconds, eventsPerSecond: events / seconds, cpuSeconds: threadCpuSeconds() - cpuBefore };
}

/** utime + stime of this process's main thread, from /proc (Linux); NaN where there is none. */
export function threadCpuSeconds(): number {
  try {
    const fields = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

if (require.main === module) {
  const { events, seconds, eventsPerSecond, cpuSeconds } = measureTrackerAlone(Number(process.argv[2] ?? 200_000));
  console.log(
    `tracker.track() alone: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(eventsPerSecond).toLocaleString('en-US')} events/s ` +
      `(${((1e6 * seconds) / events).toFixed(1)} µs each, ${((1e6 * cpuSeconds) / events).toFixed(1)} µs of CPU)`,
  );
}
