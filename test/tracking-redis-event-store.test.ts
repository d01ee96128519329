// The durable Snowplow outbox in Redis: order, bound, paging and the EventStore contract.
import type { Payload } from '@snowplow/node-tracker';
import { outboxKey } from '../tracking/outbox-commands';
import { RedisEventStore, type DropReason } from '../tracking/redis-event-store';
import { useRedisServer } from './support/use-redis-server';

function event(n: number): { payload: Payload } {
  return { payload: { e: 'se', se_ac: `event_${n}`, eid: `id-${n}` } };
}

async function readAll(store: RedisEventStore): Promise<string[]> {
  const ids: string[] = [];
  const iterator = store.iterator();
  for (;;) {
    const { value, done } = await iterator.next();
    if (done || !value) return ids;
    ids.push(String(value.payload.eid));
  }
}

describe('RedisEventStore', () => {
  const suite = useRedisServer();

  beforeEach(async () => {
    await suite.redis.flushdb();
  });

  test('add() calls of one event-loop turn are written in one push, in order', async () => {
    const store = new RedisEventStore({ redis: suite.redis, instanceId: 'a' });
    const push = jest.spyOn(suite.redis as unknown as { snowplowOutboxPush: () => Promise<unknown> }, 'snowplowOutboxPush');
    const sizes = await Promise.all(Array.from({ length: 250 }, (_, i) => store.add(event(i))));
    expect(sizes[249]).toBe(250);
    expect(await store.whenWritten()).toBe(true);
    expect(push).toHaveBeenCalledTimes(1);
    push.mockRestore();
    expect(await suite.redis.llen(outboxKey('a'))).toBe(250);
    expect(await store.count()).toBe(250);
    expect(await readAll(store)).toEqual(Array.from({ length: 250 }, (_, i) => `id-${i}`));
  });

  test('removeHead removes what the iterator returned, also when the bound trimmed the head meanwhile', async () => {
    const drops: Array<[string[], DropReason]> = [];
    const store = new RedisEventStore({
      redis: suite.redis,
      instanceId: 'b',
      maxEvents: 20,
      pageSize: 5,
      onDrop: (payloads, reason) => drops.push([payloads.map((p) => String(p.eid)), reason]),
    });
    for (let i = 0; i < 20; i++) void store.add(event(i));
    await store.whenWritten();
    const iterator = store.iterator();
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) sent.push(String((await iterator.next()).value?.payload.eid));
    // While those 8 are "in flight", 3 more arrive and push the 3 oldest out.
    for (let i = 20; i < 23; i++) void store.add(event(i));
    await store.whenWritten();
    for (let i = 0; i < 4; i++) sent.push(String((await iterator.next()).value?.payload.eid));
    expect(sent).toEqual(Array.from({ length: 12 }, (_, i) => `id-${i}`));
    expect(drops).toEqual([[['id-0', 'id-1', 'id-2'], 'outbox-full']]);

    await store.removeHead(12);
    // id-0..2 were trimmed, id-3..11 sent: what is left starts at id-12, nothing unsent was removed.
    expect(await readAll(store)).toEqual(Array.from({ length: 11 }, (_, i) => `id-${i + 12}`));
    expect(store.stats).toMatchObject({ added: 23, written: 23, dropped: 3, errors: 0, size: 11 });
  });

  test('an entry that is not an event keeps its place (so counts stay aligned) and is counted as an error', async () => {
    const store = new RedisEventStore({ redis: suite.redis, instanceId: 'c' });
    await suite.redis.rpush(outboxKey('c'), JSON.stringify(event(1)), 'not json', JSON.stringify(event(2)));
    const all = await store.getAllPayloads();
    expect(all).toEqual([event(1).payload, {}, event(2).payload]);
    expect(store.stats.errors).toBe(1);
  });

  test('a new store with the same instanceId sees the events; another id does not', async () => {
    const first = new RedisEventStore({ redis: suite.redis, instanceId: 'd' });
    for (let i = 0; i < 5; i++) void first.add(event(i));
    await first.close();
    expect(await first.add(event(99))).toBe(5);
    expect(first.stats.dropped).toBe(1);
    expect(await new RedisEventStore({ redis: suite.redis, instanceId: 'd' }).count()).toBe(5);
    expect(await new RedisEventStore({ redis: suite.redis, instanceId: 'e' }).count()).toBe(0);
  });
});
