// The Snowplow thread lowers its own priority only: the process (the callers of track()) keeps its own.
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

test('niceThisThread gives the calling thread, and only it, the nice value asked for', async () => {
  const module = join(__dirname, '..', 'tracking', 'thread-priority.ts');
  const code = `
    require('tsx/cjs');
    const { readlinkSync } = require('node:fs');
    const { getPriority } = require('node:os');
    const { niceThisThread } = require(${JSON.stringify(module)});
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const done = niceThisThread(7);
    require('node:worker_threads').parentPort.postMessage({ done, thread: getPriority(tid) });`;
  const before = getPriority(process.pid);
  const worker = new Worker(code, { eval: true });
  const answer = await new Promise<{ done: boolean; thread: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  expect(answer).toEqual({ done: true, thread: 7 });
  expect(getPriority(process.pid)).toBe(before);
});
