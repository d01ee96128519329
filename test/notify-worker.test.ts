// The rollout worker registers `notify`: a workflow on a real (time-skipping) Temporal server calls it, and its result,
// with every attempt and no webhook URL, is the activity's result in the history.
import { defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import type { NoticeBody } from '../notify/notice-body';
import { NOTICE_KINDS, type RolloutNotice } from '../notify/rollout-notice';
import { freePort } from '../stack/free-port';
import { temporalTestServerPath } from '../stack/temporal-binaries';
import { createRolloutWorker } from '../worker/create-rollout-worker';
import { createWorkerRedis } from '../worker/create-worker-redis';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import type { notifyOnce } from './support/notify-workflow';
import { useRedisServer } from './support/use-redis-server';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const TASK_QUEUE = 'notify-tests';
const SECRET_PATH = '/services/T0001/B0001/XXXXsecretXXXX';
const suite = useRedisServer();
// Inside a describe block, so that the worker stops before useRedisServer's afterAll stops Redis.
describe('the rollout worker', () => {
  let env: TestWorkflowEnvironment;
  let receiver: WebhookReceiver;
  let redis: Redis;
  let worker: Worker;
  let running: Promise<void>;
  let deadUrl: string;

  beforeAll(async () => {
    installQuietRuntime();
    receiver = await startWebhookReceiver();
    deadUrl = `http://127.0.0.1:${await freePort()}${SECRET_PATH}`;
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServerPath() } } });
    redis = createWorkerRedis(suite.url);
    worker = await createRolloutWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: TASK_QUEUE,
      redis,
      notify: {
        targets: [
          { name: 'slack', url: `${receiver.url}${SECRET_PATH}` },
          { name: 'dead', url: deadUrl },
        ],
        kinds: NOTICE_KINDS,
        policy: { backoffMs: 10, attempts: 2 },
      },
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./support/notify-workflow'), logger: new DefaultLogger('WARN') }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await redis?.quit();
    await env?.teardown();
    await receiver?.stop();
  });

  it('runs notify in a real worker: delivered where it can, failed where it cannot, the workflow unharmed', async () => {
    const notice: RolloutNotice = {
      id: 'rollout-my_flag/run-1/7',
      kind: 'breach',
      flag: 'my_flag',
      workflowId: 'rollout-my_flag',
      at: '2025-03-01T10:00:00.000Z',
      text: 'guard breach: 12,000,000 events today over the budget of 10,000,000; rolling back',
      percentage: 25,
      environment: 'production',
    };
    const handle = await env.client.workflow.start<typeof notifyOnce>('notifyOnce', { args: [notice], taskQueue: TASK_QUEUE, workflowId: 'notify-once' });
    const delivery = await handle.result();

    expect(delivery).toMatchObject({ id: notice.id, delivered: ['slack'], failed: ['dead'] });
    expect(delivery.attempts.map(({ target, attempt, status, error }) => ({ target, attempt, status, error }))).toEqual([
      { target: 'slack', attempt: 1, status: 200, error: undefined },
      { target: 'dead', attempt: 1, status: undefined, error: 'connection refused (ECONNREFUSED)' },
      { target: 'dead', attempt: 2, status: undefined, error: 'connection refused (ECONNREFUSED)' },
    ]);
    expect((JSON.parse(receiver.requestsTo(SECRET_PATH)[0]!.body) as NoticeBody).notice).toEqual(notice);

    const history = await handle.fetchHistory();
    const completed = history.events?.filter((event) => event.activityTaskCompletedEventAttributes) ?? [];
    expect(completed).toHaveLength(1);
    expect(defaultPayloadConverter.fromPayload(completed[0]!.activityTaskCompletedEventAttributes!.result!.payloads![0]!)).toEqual(delivery);
    // Every payload decoded: the webhook URLs (secrets) appear nowhere in the history.
    const historyText = JSON.stringify(history, (key, value: unknown) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
    expect(historyText).toContain('connection refused (ECONNREFUSED)');
    expect(historyText).not.toContain('XXXXsecretXXXX');
    expect(historyText).not.toContain(deadUrl);
  });
});
