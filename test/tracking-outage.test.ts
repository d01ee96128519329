// Collector outages: nothing lost up to the outbox bound, losses past it counted, requests backed off.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventTracker, type EventTrackerOptions } from '../tracking/event-tracker';
import type { FlagChecker } from '../tracking/flag-checker';
import { outboxKey } from '../tracking/outbox-commands';
import type { CollectorMode } from '../stack/collector-server';
import {
  snowplowDroppedByEventKey,
  snowplowFailedByEventKey,
  snowplowSentByEventKey,
  snowplowSentCounterKey,
} from '../volume/snowplow-counter-keys';
import { useCollectorServer } from './support/collector-harness';
import { eventually } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const DAY = '2026-11-25';
const NOW = new Date(`${DAY}T10:00:00.000Z`);
const everywhere: FlagChecker = { isEnabled: () => true };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A collector stand-in on 127.0.0.1 that answers every request with `listener`. */
async function scriptedCollector(listener: RequestListener): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, server };
}

function sumHash(hash: Record<string, string>): number {
  return Object.values(hash).reduce((sum, n) => sum + Number(n), 0);
}

describe('tracking through a collector outage', () => {
  const suite = useRedisServer();
  const collectorSuite = useCollectorServer();
  let tracker: EventTracker | undefined;
  let scripted: Server | undefined;

  /** A tracker whose Snowplow thread runs: its start-up (slow from sources on a busy machine) is not part of what is timed. */
  async function startTracker(options: Partial<EventTrackerOptions> = {}): Promise<EventTracker> {
    tracker = new EventTracker({
      redis: suite.redis,
      flags: everywhere,
      flag: FLAG,
      collectorUrl: collectorSuite.collector.url,
      instanceId: 'web-1',
      now: () => NOW,
      flushIntervalMs: 100,
      maxBackoffMs: 1000,
      ...options,
    });
    expect(await tracker.ready()).toBe(true);
    return tracker;
  }

  function track(t: EventTracker, n: number, offset = 0): void {
    for (let i = offset; i < offset + n; i++) {
      t.track(i % 2 ? 'i_search_total' : 'g_edit_by_web_ide', { user: `u${i}`, namespace: 'gitlab-org', env: 'production' });
    }
  }

  beforeEach(async () => {
    await suite.redis.flushdb();
  });
  afterEach(async () => {
    await tracker?.close({ timeoutMs: 0 });
    tracker = undefined;
    scripted?.closeAllConnections();
    await new Promise((resolve) => scripted?.close(resolve) ?? resolve(undefined));
    scripted = undefined;
  });

  test.each<CollectorMode>(['refuse', '503'])('collector %s for a while, then up: nothing is lost and the counters match', async (mode) => {
    await collectorSuite.collector.setDown(mode);
    const t = await startTracker();
    track(t, 150);
    await eventually('failed attempts', () => t.stats().snowplow.failedAttempts >= 2);
    track(t, 150, 150);
    await sleep(300);
    expect(collectorSuite.collector.events()).toHaveLength(0);
    expect(await suite.redis.llen(outboxKey('web-1'))).toBe(300);

    await collectorSuite.collector.setDown('up');
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);

    const received = collectorSuite.collector.events();
    expect(received).toHaveLength(300);
    expect(new Set(received.map((e) => e.eid)).size).toBe(300);
    expect(await suite.redis.get(snowplowSentCounterKey(FLAG, DAY))).toBe('300');
    expect(await suite.redis.hgetall(snowplowSentByEventKey(FLAG, DAY))).toEqual({ i_search_total: '150', g_edit_by_web_ide: '150' });
    expect(sumHash(await suite.redis.hgetall(snowplowFailedByEventKey(FLAG, DAY)))).toBeGreaterThan(0);
    expect(await suite.redis.exists(snowplowDroppedByEventKey(FLAG, DAY))).toBe(0);
    expect(await suite.redis.llen(outboxKey('web-1'))).toBe(0);
    expect(t.stats().snowplow).toMatchObject({ sent: 300, dropped: 0, queued: 0, storeErrors: 0 });
  });

  test('over the bound the oldest events are dropped, and every loss is counted', async () => {
    await collectorSuite.collector.setDown('refuse');
    const t = await startTracker({ maxEvents: 100 });
    track(t, 120);
    await eventually('the first failed attempt', () => t.stats().snowplow.failedAttempts >= 1);
    const secondBatchStart = Date.now();
    track(t, 130, 120);
    await eventually('the outbox to be written', async () => (await suite.redis.llen(outboxKey('web-1'))) === 100 && t.stats().snowplow.dropped === 150);

    await collectorSuite.collector.setDown('up');
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);

    const received = collectorSuite.collector.events();
    expect(received).toHaveLength(100);
    const dropped = await suite.redis.hgetall(snowplowDroppedByEventKey(FLAG, DAY));
    expect(dropped).toEqual({ i_search_total: '75', g_edit_by_web_ide: '75' });
    expect(await suite.redis.get(snowplowSentCounterKey(FLAG, DAY))).toBe('100');
    expect(t.stats().snowplow).toMatchObject({ sent: 100, dropped: 150, queued: 0 });
    // The oldest were dropped: every survivor was tracked in the second batch (dtm is the tracking time).
    for (const event of received) expect(Number(event.dtm)).toBeGreaterThanOrEqual(secondBatchStart);
  });

  test('a collector that refuses an event for good (400) counts it as dropped', async () => {
    const refusing = await scriptedCollector((_, res) => res.writeHead(400).end('bad'));
    scripted = refusing.server;
    const t = await startTracker({ collectorUrl: refusing.url });
    track(t, 10);
    await t.flush({ timeoutMs: 2000 });
    await eventually('the dropped counter', async () => sumHash(await suite.redis.hgetall(snowplowDroppedByEventKey(FLAG, DAY))) === 10);
    expect(t.stats().snowplow).toMatchObject({ sent: 0, dropped: 10, queued: 0, requests: 1 });
    expect(refusing.requests()).toBe(1);
  });

  test('flush() gives up at its timeout while a request hangs', async () => {
    // A collector that never answers: the request ends only when the connection timeout aborts it.
    const hanging = await scriptedCollector(() => undefined);
    scripted = hanging.server;
    const t = await startTracker({ collectorUrl: hanging.url, connectionTimeoutMs: 800 });
    track(t, 5);
    const started = Date.now();
    expect(await t.flush({ timeoutMs: 300 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(600);
    await eventually('the aborted request to count as failed', () => t.stats().snowplow.failedAttempts >= 1, 2000);
    expect(t.stats().snowplow).toMatchObject({ sent: 0, queued: 5, dropped: 0 });
  });

  test.each<CollectorMode>(['refuse', '503'])('backs off while the collector is %s: few requests, not one per event', async (mode) => {
    await collectorSuite.collector.setDown(mode);
    const t = await startTracker({ flushIntervalMs: 100, maxBackoffMs: 30_000 });
    for (let i = 0; i < 20; i++) {
      track(t, 10, i * 10);
      await sleep(100);
    }
    const requests = t.stats().snowplow.requests;
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThan(10);
    // The thread's count arrives with its next message: a request in flight now is counted a moment later.
    if (mode === '503') await eventually('every request counted', () => collectorSuite.collector.requests() === t.stats().snowplow.requests);

    await collectorSuite.collector.setDown('up');
    expect(await t.flush({ timeoutMs: 5000 })).toBe(true);
    expect(collectorSuite.collector.events()).toHaveLength(200);
  });

  test('after the outage the loop resumes on its own (backoff resets on success)', async () => {
    await collectorSuite.collector.setDown('503');
    const t = await startTracker({ flushIntervalMs: 100, maxBackoffMs: 800 });
    track(t, 50);
    await sleep(1000);
    await collectorSuite.collector.setDown('up');
    await eventually('all events to arrive without an explicit flush', () => collectorSuite.collector.events().length === 50, 3000);
    track(t, 50, 50);
    const start = Date.now();
    await eventually('the next events to arrive at the normal pace', () => collectorSuite.collector.events().length === 100, 3000);
    expect(Date.now() - start).toBeLessThan(1000);
  });
});
