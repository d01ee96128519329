// Delivery with two requests in flight: answers settled in order, the outbox head removed only behind accepted batches.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outboxKey } from '../tracking/outbox-commands';
import { ENVELOPE_BYTES } from '../tracking/snowplow-batch';
import { SnowplowDelivery, type OutcomeKind } from '../tracking/snowplow-delivery';
import { createPayloadBuilder } from '../tracking/snowplow-payload-builder';
import { useRedisServer } from './support/use-redis-server';

const suite = useRedisServer();
const build = createPayloadBuilder();

/** A collector stand-in: answers request n (1, 2, …) as `answer(n)` says, after its delay; keeps what it accepted. */
async function scriptedCollector(answer: (n: number) => { status: number; delayMs: number }) {
  const accepted: string[] = [];
  let requests = 0;
  let open = 0;
  let mostOpen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++requests;
    open++;
    mostOpen = Math.max(mostOpen, open);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { status, delayMs } = answer(n);
      setTimeout(() => {
        if (status === 200) accepted.push(...(JSON.parse(body) as { data: Array<{ eid: string }> }).data.map((e) => e.eid));
        open--;
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    requests: () => requests,
    mostOpen: () => mostOpen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SnowplowDelivery with requests in flight', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  beforeEach(async () => {
    await suite.redis.flushdb();
  });

  /** A delivery whose POSTs hold 10 events each, and 20 events in its outbox. */
  async function start(collectorUrl: string, instanceId: string) {
    const fragments = Array.from({ length: 20 }, () => build('i_search_total', Date.now()));
    const outcomes: Array<[OutcomeKind, number]> = [];
    const delivery = new SnowplowDelivery({
      redis: suite.redis,
      collectorUrl,
      instanceId,
      maxPostBytes: ENVELOPE_BYTES + 10 * (Buffer.byteLength(fragments[0]!) + 1),
      flushIntervalMs: 50,
      maxBackoffMs: 200,
      concurrentRequests: 2,
      onOutcome: (kind, counts) => outcomes.push([kind, [...counts.values()].reduce((a, b) => a + b, 0)]),
    });
    closers.push(() => delivery.close(0));
    await delivery.store.count();
    delivery.add(fragments);
    return { delivery, outcomes, eids: fragments.map((f) => (JSON.parse(f) as { eid: string }).eid) };
  }

  test('the second batch, answered first, is removed only once the first is accepted; each event arrives once', async () => {
    const collector = await scriptedCollector((n) => ({ status: 200, delayMs: n === 1 ? 300 : 0 }));
    closers.push(collector.close);
    const { delivery, outcomes, eids } = await start(collector.url, 'in-order');
    expect(await delivery.flush(5000)).toBe(true);

    expect(collector.mostOpen()).toBe(2);
    expect(collector.requests()).toBe(2);
    expect([...collector.accepted].sort()).toEqual([...eids].sort());
    expect(outcomes).toEqual([['sent', 10], ['sent', 10]]);
    expect(await suite.redis.llen(outboxKey('in-order'))).toBe(0);
    expect(delivery.stats()).toMatchObject({ sent: 20, failedAttempts: 0, requests: 2, queued: 0 });
  });

  test('a failed first batch keeps the accepted one behind it: that one is sent again (at-least-once) and counted each time', async () => {
    const collector = await scriptedCollector((n) => (n === 1 ? { status: 503, delayMs: 200 } : { status: 200, delayMs: 0 }));
    closers.push(collector.close);
    const { delivery, outcomes, eids } = await start(collector.url, 'after-failure');
    expect(await delivery.flush(5000)).toBe(true);

    // Requests: 1 (first 10, 503), 2 (last 10, accepted but left behind), then one at a time: 3 (first 10), 4 (last 10).
    expect(collector.requests()).toBe(4);
    const arrivals = new Map<string, number>();
    for (const eid of collector.accepted) arrivals.set(eid, (arrivals.get(eid) ?? 0) + 1);
    expect(eids.map((eid) => arrivals.get(eid))).toEqual([...Array<number>(10).fill(1), ...Array<number>(10).fill(2)]);
    expect(outcomes).toEqual([['failed', 10], ['sent', 10], ['sent', 10], ['sent', 10]]);
    expect(await suite.redis.llen(outboxKey('after-failure'))).toBe(0);
    expect(delivery.stats()).toMatchObject({ sent: 30, failedAttempts: 1, requests: 4, queued: 0, dropped: 0 });
  });
});
