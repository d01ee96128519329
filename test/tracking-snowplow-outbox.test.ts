// The durable Snowplow outbox in Redis: payload fragments in order, the bound, reading and removing past trims.
import { outboxKey } from '../tracking/outbox-commands';
import { SnowplowOutbox, type DropReason } from '../tracking/snowplow-outbox';
import { useRedisServer } from './support/use-redis-server';

function fragment(n: number): string {
  return JSON.stringify({ e: 'se', se_ac: `event_${n}`, eid: `id-${n}` });
}

async function readAll(store: SnowplowOutbox, pageSize = 7): Promise<string[]> {
  const entries: string[] = [];
  let epoch = '';
  for (;;) {
    const page = await store.read(entries.length, pageSize, epoch);
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
    const first = await store.read(0, 8);
    // While those 8 are "in flight", 3 more arrive and push the 3 oldest out.
    store.add([20, 21, 22].map(fragment));
    await store.whenWritten();
    const second = await store.read(8, 4, first.epoch);
    expect([...first.entries, ...second.entries]).toEqual(Array.from({ length: 12 }, (_, i) => fragment(i)));
    expect(drops).toEqual([[[0, 1, 2].map(fragment), 'outbox-full']]);

    await store.remove(first.epoch, 12);
    // fragments 0..2 were trimmed, 3..11 sent: what is left starts at 12, nothing unsent was removed.
    expect(await readAll(store)).toEqual(Array.from({ length: 11 }, (_, i) => fragment(i + 12)));
    expect(store.stats).toMatchObject({ added: 23, written: 23, dropped: 3, errors: 0, size: 11 });
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
