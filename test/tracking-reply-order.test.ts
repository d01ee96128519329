// ReplyOrder: effects of replies run in the order their commands were sent, whenever their promises settle.
import { ReplyOrder } from '../tracking/reply-order';

test('effects run by ticket: a later reply waits for the earlier one, then both run in order', async () => {
  const order = new ReplyOrder();
  const ran: string[] = [];
  const push = order.ticket();
  const remove = order.ticket();
  const removed = order.apply(remove, () => (ran.push('remove'), 6));
  expect(ran).toEqual([]);
  const pushed = order.apply(push, () => (ran.push('push'), true));
  expect(ran).toEqual(['push', 'remove']);
  expect(await Promise.all([pushed, removed])).toEqual([true, 6]);
  expect(await order.apply(order.ticket(), () => 'at once')).toBe('at once');
});

test('an effect that throws rejects its own promise only; the next ticket still runs', async () => {
  const order = new ReplyOrder();
  const first = order.ticket();
  const second = order.ticket();
  const later = order.apply(second, () => 'second');
  await expect(order.apply(first, () => {
    throw new Error('boom');
  })).rejects.toThrow('boom');
  await expect(later).resolves.toBe('second');
});
