// SnowplowBuildQueue: events are built in slices with the thread's I/O in between, in order, each message
// acknowledged once its events were handed on; failures are counted per event name.
import { SnowplowBuildQueue, type EventsToBuild } from '../tracking/snowplow-build-queue';

function message(seq: number, ids: number[], names: string[] = []): EventsToBuild {
  return { seq, names, ids: Uint32Array.from(ids), times: Float64Array.from(ids.map((id) => 1_000 + id)), count: ids.length };
}

function recorder(build: (event: string, at: number) => string = (event, at) => `${event}@${at}`) {
  const log: string[] = [];
  const fragments: string[] = [];
  const failures: Array<[string, number]> = [];
  const queue = new SnowplowBuildQueue({
    build,
    sliceEvents: 3,
    onBuilt: (built, failed) => {
      fragments.push(...built);
      failures.push(...failed);
      log.push(`built ${built.length}`);
    },
    onDone: (seq, count) => log.push(`done ${seq} (${count})`),
  });
  return { queue, log, fragments, failures };
}

test('messages are built in slices, in order, and other callbacks run between the slices', async () => {
  const { queue, log, fragments } = recorder();
  queue.add(message(1, [0, 1, 0, 1], ['a', 'b']));
  queue.add(message(2, [1, 0]));
  expect(log).toEqual([]); // adding only queues
  expect(queue.size).toBe(6);
  const between = setInterval(() => log.push('I/O'), 0);
  await queue.drained();
  clearInterval(between);
  expect(fragments).toEqual(['a@1000', 'b@1001', 'a@1000', 'b@1001', 'b@1001', 'a@1000']);
  // Each message is acknowledged after its events were handed on; I/O ran while the queue was not empty.
  expect(log.filter((entry) => entry !== 'I/O')).toEqual(['built 3', 'built 3', 'done 1 (4)', 'done 2 (2)']);
  expect(log.indexOf('I/O')).toBeLessThan(log.indexOf('done 1 (4)'));
  expect(queue.size).toBe(0);
});

test('buildAll() builds what waits in one go; an event that fails to build is counted by name, the others go on', () => {
  const { queue, log, fragments, failures } = recorder((event, at) => {
    if (event === 'bad') throw new Error('no payload');
    return `${event}@${at}`;
  });
  queue.add(message(7, [0, 1, 0, 1, 0], ['ok', 'bad']));
  queue.buildAll();
  expect(fragments).toEqual(['ok@1000', 'ok@1000', 'ok@1000']);
  expect(failures).toEqual([['bad', 2]]);
  expect(log).toEqual(['built 3', 'done 7 (5)']);
  expect(queue.size).toBe(0);
});

test('an empty message is acknowledged at once and its names are kept for the next', async () => {
  const { queue, log, fragments } = recorder();
  queue.add(message(1, [], ['x']));
  queue.add(message(2, [0]));
  await queue.drained();
  expect(log).toEqual(['done 1 (0)', 'built 1', 'done 2 (1)']);
  expect(fragments).toEqual(['x@1000']);
});
