// The durable Snowplow outbox in Redis: payload fragments in order, the bound, reading and removing past trims, and the
// mirror that lets the head be sent without reading it back.
import { outboxKey } from '../tracking/outbox-commands';
import { SnowplowOutbox, type DropReason, type OutboxPage } from '../tracking/snowplow-outbox';
import { useRedisServer } from './support/use-redis-server';

function fragment(n: number): string {
  return JSON.stringify({ e: 'se', se_ac: `event_${n}`, eid: `id-${n}` });
}

function defined(page: OutboxPage | undefined): OutboxPage {
  if (!page) throw new Error('the outbox could not be read');
  return page;
}

async function readAll(store: SnowplowOutbox, pageSize = 7): Promise<string[]> {
  const entries: string[] = [];
  let epoch = '';
  for (;;) {
    const page = defined(await store.read(entries.length, pageSize, epoch));
    epoch = page.epoch;
    entries.push(...page.entries);
    if (page.entries.length < pageSize) return entries;
  }
}

describe('SnowplowOutbox', () => {
  const suite = useRedisServer();

  beforeEach(async () => {
    await suite.redis.flushdb();
  });

  test('fragments added in one event-loop turn are written in one push, in order, exactly as given', async () => {
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'a' });
    const push = jest.spyOn(suite.redis as unknown as { snowplowOutboxPush: () => Promise<unknown> }, 'snowplowOutboxPush');
    for (let i = 0; i < 250; i++) store.add([fragment(i)]);
    expect(store.size()).toBe(250);
    expect(await store.whenWritten()).toBe(true);
    expect(push).toHaveBeenCalledTimes(1);
    push.mockRestore();
    expect(await suite.redis.llen(outboxKey('a'))).toBe(250);
    expect(await store.count()).toBe(250);
    expect(await readAll(store)).toEqual(Array.from({ length: 250 }, (_, i) => fragment(i)));
  });

  test('remove() takes off what a read returned, also when the bound trimmed the head meanwhile', async () => {
    const drops: Array<[string[], DropReason]> = [];
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'b', maxEvents: 20, onDrop: (fragments, reason) => drops.push([fragments, reason]) });
    store.add(Array.from({ length: 20 }, (_, i) => fragment(i)));
    await store.whenWritten();
    const first = defined(await store.read(0, 8));
    // While those 8 are "in flight", 3 more arrive and push the 3 oldest out.
    store.add([20, 21, 22].map(fragment));
    await store.whenWritten();
    const second = defined(await store.read(8, 4, first.epoch));
    expect([...first.entries, ...second.entries]).toEqual(Array.from({ length: 12 }, (_, i) => fragment(i)));
    expect(drops).toEqual([[[0, 1, 2].map(fragment), 'outbox-full']]);

    await store.remove(first.epoch, 12);
    // fragments 0..2 were trimmed, 3..11 sent: what is left starts at 12, nothing unsent was removed.
    expect(await readAll(store)).toEqual(Array.from({ length: 11 }, (_, i) => fragment(i + 12)));
    expect(store.stats).toMatchObject({ added: 23, written: 23, dropped: 3, errors: 0, size: 11 });
  });

  test('a push with room as last seen is a plain RPUSH; when another writer filled the list meanwhile the bound still holds and the loss is counted', async () => {
    const drops: Array<[string[], DropReason]> = [];
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'c', maxEvents: 5, onDrop: (fragments, reason) => drops.push([fragments, reason]) });
    const script = jest.spyOn(suite.redis as unknown as { snowplowOutboxPush: () => Promise<unknown> }, 'snowplowOutboxPush');
    store.add([0, 1].map(fragment));
    await store.whenWritten();
    store.add([fragment(2)]);
    await store.whenWritten();
    // The first push learnt the length (script); the second fitted and went without it.
    expect(script).toHaveBeenCalledTimes(1);
    script.mockRestore();
    // A previous process still closing pushes behind this one's back: the next push that "fits" goes past the bound.
    await suite.redis.rpush(outboxKey('c'), fragment(100), fragment(101));
    store.add([fragment(3)]);
    await store.whenWritten();
    expect(await suite.redis.lrange(outboxKey('c'), 0, -1)).toEqual([1, 2, 100, 101, 3].map(fragment));
    expect(drops).toEqual([[[fragment(0)], 'outbox-full']]);
    expect(store.stats).toMatchObject({ written: 4, dropped: 1, errors: 0 });
    // Readers still find their place: the trim was counted.
    expect(await readAll(store)).toEqual([1, 2, 100, 101, 3].map(fragment));
  });

  test('a new outbox with the same instanceId sees the events; another id does not; after close() adds are dropped', async () => {
    const drops: DropReason[] = [];
    const first = new SnowplowOutbox({ redis: suite.redis, instanceId: 'd', onDrop: (_, reason) => drops.push(reason) });
    first.add([0, 1, 2, 3, 4].map(fragment));
    await first.close();
    first.add([fragment(99)]);
    expect(first.stats.dropped).toBe(1);
    expect(drops).toEqual(['closed']);
    expect(await new SnowplowOutbox({ redis: suite.redis, instanceId: 'd' }).count()).toBe(5);
    expect(await new SnowplowOutbox({ redis: suite.redis, instanceId: 'e' }).count()).toBe(0);
    expect(await new SnowplowOutbox({ redis: suite.redis, instanceId: 'd' }).all()).toEqual([0, 1, 2, 3, 4].map(fragment));
  });
});

describe('SnowplowOutbox: the head from memory', () => {
  const suite = useRedisServer();
  const reads = () => jest.spyOn(suite.redis as unknown as { snowplowOutboxRead: () => Promise<unknown> }, 'snowplowOutboxRead');

  beforeEach(async () => {
    await suite.redis.flushdb();
  });
  afterEach(() => jest.restoreAllMocks());

  test('what this outbox pushed is sent from memory, and removing it (across a trim) keeps memory and Redis alike', async () => {
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'm', maxEvents: 30 });
    await store.count();
    store.add(Array.from({ length: 20 }, (_, i) => fragment(i)));
    await store.whenWritten();
    const read = reads();
    const page = defined(await store.page('', 0, 8));
    expect(page.entries).toEqual(Array.from({ length: 8 }, (_, i) => fragment(i)));
    // While the 8 are "in flight", the bound trims the 5 oldest.
    store.add(Array.from({ length: 15 }, (_, i) => fragment(20 + i)));
    await store.whenWritten();
    await store.remove(page.epoch, 8);
    const next = defined(await store.page('', 0, 100));
    expect(read).not.toHaveBeenCalled();
    expect(next.entries).toEqual(Array.from({ length: 27 }, (_, i) => fragment(8 + i)));
    expect(await suite.redis.lrange(outboxKey('m'), 0, -1)).toEqual(next.entries);
  });

  test('a push and a remove in flight together keep the mirror: their replies are applied in the order Redis ran them', async () => {
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'q' });
    await store.count();
    store.add(Array.from({ length: 10 }, (_, i) => fragment(i)));
    await store.whenWritten();
    const read = reads();
    const page = defined(await store.page('', 0, 6));
    // The push (a MULTI, whose promise settles a few microtasks later) is sent first, the remove right behind it.
    store.add(Array.from({ length: 5 }, (_, i) => fragment(10 + i)));
    const pushed = store.writable();
    const removed = store.remove(page.epoch, 6);
    // Busy (as the Snowplow thread is while it builds) until both replies are in: they are read and parsed together.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    expect(await Promise.all([pushed, removed])).toEqual([true, 6]);
    const next = defined(await store.page('', 0, 100));
    expect(read).not.toHaveBeenCalled();
    expect(next.entries).toEqual(Array.from({ length: 9 }, (_, i) => fragment(6 + i)));
    expect(await suite.redis.lrange(outboxKey('q'), 0, -1)).toEqual(next.entries);
    expect(store.size()).toBe(9);
  });

  test('events a previous process left are read from Redis first, then the head comes from memory again', async () => {
    await suite.redis.rpush(outboxKey('n'), fragment(0), fragment(1));
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'n' });
    await store.count();
    store.add([fragment(2), fragment(3)]);
    await store.whenWritten();
    const read = reads();
    const left = defined(await store.page('', 0, 10));
    expect(left.entries).toEqual([0, 1, 2, 3].map(fragment));
    expect(read).toHaveBeenCalledTimes(1);
    await store.remove(left.epoch, 2);
    expect(defined(await store.page('', 0, 10)).entries).toEqual([2, 3].map(fragment));
    expect(read).toHaveBeenCalledTimes(1);
  });

  test('past maxMirrorEvents the oldest pushed events are read from Redis, the newest still from memory', async () => {
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'p', maxMirrorEvents: 4 });
    await store.count();
    store.add(Array.from({ length: 10 }, (_, i) => fragment(i)));
    await store.whenWritten();
    const read = reads();
    const first = defined(await store.page('', 0, 6));
    expect(first.entries).toEqual(Array.from({ length: 6 }, (_, i) => fragment(i)));
    expect(read).toHaveBeenCalledTimes(1);
    await store.remove(first.epoch, 6);
    expect(defined(await store.page('', 0, 10)).entries).toEqual([6, 7, 8, 9].map(fragment));
    expect(read).toHaveBeenCalledTimes(1);
  });

  test('a list changed behind its back is noticed at the next length, and read from Redis from then on', async () => {
    const store = new SnowplowOutbox({ redis: suite.redis, instanceId: 'o' });
    await store.count();
    store.add([fragment(0), fragment(1)]);
    await store.whenWritten();
    // Another writer (which one instance id must never have) removes the head.
    await suite.redis.lpop(outboxKey('o'));
    store.add([fragment(2)]);
    await store.whenWritten();
    const read = reads();
    const page = defined(await store.page('', 0, 10));
    expect(page.entries).toEqual([1, 2].map(fragment));
    expect(read).toHaveBeenCalledTimes(1);
  });
});
