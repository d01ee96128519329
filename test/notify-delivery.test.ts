// The notify activity against real HTTP receivers on 127.0.0.1: body shape, retries, no retry on 4xx, timeouts, dead ports.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../activities/create-activities';
import { MemoryFlagStore } from '../flags/memory-flag-store';
import type { DeliveryPolicy } from '../notify/delivery-policy';
import type { NoticeBody } from '../notify/notice-body';
import { NOTICE_KINDS, type NoticeDelivery, type NoticeKind, type RolloutNotice } from '../notify/rollout-notice';
import type { WebhookTarget } from '../notify/webhook-target';
import { freePort } from '../stack/free-port';
import type { VolumeReader } from '../volume/volume-reader';
import { pollUntil } from './support/eventually';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const FAST: Partial<DeliveryPolicy> = { requestTimeoutMs: 2_000, attempts: 4, backoffMs: 10, totalTimeoutMs: 20_000 };
const noVolume: VolumeReader = { read: () => Promise.reject(new Error('not used')) };

let receiver: WebhookReceiver;
beforeAll(async () => void (receiver = await startWebhookReceiver()));
afterAll(() => receiver.stop());

let sequence = 0;
function gateOpened(overrides: Partial<RolloutNotice> = {}): RolloutNotice {
  sequence += 1;
  return {
    id: `rollout-my_flag/run-1/${sequence}`,
    kind: 'gate-opened',
    flag: 'my_flag',
    workflowId: 'rollout-my_flag',
    at: '2025-03-01T10:00:00.000Z',
    text: 'production-qa waits for approval by alice or bob',
    gate: 'production-qa',
    commands: ['rollout approve my_flag --gate production-qa --by <you>', 'rollout reject my_flag --gate production-qa --by <you> --reason <why>'],
    deadline: '2025-03-08T10:00:00.000Z',
    percentage: 25,
    environment: 'production',
    ...overrides,
  };
}

function notifyVia(targets: WebhookTarget[], options: { policy?: Partial<DeliveryPolicy>; kinds?: readonly NoticeKind[]; env?: MockActivityEnvironment } = {}) {
  const activities = createActivities({
    flagStore: new MemoryFlagStore(),
    volumeReader: noVolume,
    notify: { targets, kinds: options.kinds ?? NOTICE_KINDS, policy: options.policy ?? FAST },
  });
  const env = options.env ?? new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return (notice: RolloutNotice): Promise<NoticeDelivery> => env.run(activities.notify, notice);
}

const target = (name: string, path: string): WebhookTarget => ({ name, url: `${receiver.url}${path}` });

it('posts a Slack message with the structured notice, the id in a header', async () => {
  const notice = gateOpened({ text: 'production-qa waits for approval by alice or bob <!channel> & co' });
  const delivery = await notifyVia([target('slack', '/services/T1/B1/shape')])(notice);

  expect(delivery).toEqual({ id: notice.id, delivered: ['slack'], failed: [], attempts: [expect.objectContaining({ target: 'slack', attempt: 1, status: 200 })] });
  expect(delivery.attempts[0]!.error).toBeUndefined();
  const [request] = receiver.requestsTo('/services/T1/B1/shape');
  expect(request).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', 'x-rollout-notice-id': notice.id } });
  const body = JSON.parse(request!.body) as NoticeBody;
  expect(body.notice).toEqual(notice);
  expect(body.text).toBe('my_flag: production-qa waits for approval by alice or bob &lt;!channel&gt; &amp; co');
  expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*my_flag* — production-qa waits for approval by alice or bob &lt;!channel&gt; &amp; co' } });
  expect(body.blocks[1]).toEqual({
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Flag*\nmy_flag' },
      { type: 'mrkdwn', text: '*Gate*\nproduction-qa' },
      { type: 'mrkdwn', text: '*Deadline*\n2025-03-08T10:00:00.000Z' },
      { type: 'mrkdwn', text: '*Percentage*\n25 %' },
      { type: 'mrkdwn', text: '*Environment*\nproduction' },
    ],
  });
  expect(body.blocks[2]).toEqual({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: '```\nrollout approve my_flag --gate production-qa --by &lt;you&gt;\nrollout reject my_flag --gate production-qa --by &lt;you&gt; --reason &lt;why&gt;\n```',
    },
  });
  expect(body.blocks[3]).toMatchObject({ type: 'context' });
});

it('leaves out the fields and the code block a notice has no values for', async () => {
  const notice: RolloutNotice = { id: 'rollout-my_flag/run-1/done', kind: 'completed', flag: 'my_flag', workflowId: 'rollout-my_flag', at: '2025-03-02T10:00:00.000Z', text: 'enabled everywhere' };
  await notifyVia([target('plain', '/plain')])(notice);
  const body = JSON.parse(receiver.requestsTo('/plain')[0]!.body) as NoticeBody;
  expect(body.blocks.map((block) => block.type)).toEqual(['section', 'section', 'context']);
  expect(body.blocks[1]).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*Flag*\nmy_flag' }] });
});

it('retries 5xx, 408 and 429 with the same notice id until the receiver takes it', async () => {
  receiver.script('/flaky', [500, 408, { status: 429, headers: { 'retry-after': '0' } }, 200]);
  const notice = gateOpened();
  const delivery = await notifyVia([target('flaky', '/flaky')])(notice);
  expect(delivery.delivered).toEqual(['flaky']);
  expect(delivery.attempts.map(({ attempt, status }) => [attempt, status])).toEqual([[1, 500], [2, 408], [3, 429], [4, 200]]);
  expect(delivery.attempts[0]!.error).toMatch(/^HTTP 500/);
  expect(receiver.requestsTo('/flaky').map((request) => request.headers['x-rollout-notice-id'])).toEqual([notice.id, notice.id, notice.id, notice.id]);
});

it('does not retry a 4xx: the request itself is wrong', async () => {
  receiver.script('/revoked', [{ status: 400, body: 'invalid_token' }, 200]);
  const delivery = await notifyVia([target('revoked', '/revoked')])(gateOpened());
  expect(delivery.delivered).toEqual([]);
  expect(delivery.failed).toEqual(['revoked']);
  expect(delivery.attempts).toEqual([expect.objectContaining({ target: 'revoked', attempt: 1, status: 400, error: 'HTTP 400 Bad Request: invalid_token' })]);
  expect(receiver.requestsTo('/revoked')).toHaveLength(1);
});

it('gives up on a receiver that never answers after the per-request timeout of each attempt', async () => {
  receiver.script('/hang', ['hang']);
  const delivery = await notifyVia([target('hang', '/hang')], { policy: { ...FAST, requestTimeoutMs: 200, attempts: 2 } })(gateOpened());
  expect(delivery.failed).toEqual(['hang']);
  expect(delivery.attempts.map(({ attempt, error }) => [attempt, error])).toEqual([[1, 'timed out after 200 ms'], [2, 'timed out after 200 ms']]);
  expect(receiver.requestsTo('/hang')).toHaveLength(2);
});

it('stops when the whole delivery is out of time, whatever attempts are left', async () => {
  receiver.script('/hang-long', ['hang']);
  const delivery = await notifyVia([target('hang-long', '/hang-long')], { policy: { ...FAST, totalTimeoutMs: 300 } })(gateOpened());
  // The attempt gets what is left of the 300 ms (a few ms less on a loaded machine), then nothing more is tried.
  expect(delivery.attempts).toHaveLength(1);
  expect(delivery.attempts[0]).toMatchObject({ attempt: 1 });
  expect(delivery.attempts[0]!.error).toMatch(/^timed out after (2\d\d|300) ms$/);
});

it('records a dead port as failed after every attempt, delivers to the live target, and never throws', async () => {
  const dead: WebhookTarget = { name: 'dead', url: `http://127.0.0.1:${await freePort()}/hook` };
  const delivery = await notifyVia([dead, target('live', '/live')])(gateOpened());
  expect(delivery.delivered).toEqual(['live']);
  expect(delivery.failed).toEqual(['dead']);
  const deadAttempts = delivery.attempts.filter((attempt) => attempt.target === 'dead');
  expect(deadAttempts.map(({ attempt, status, error }) => ({ attempt, status, error }))).toEqual(
    [1, 2, 3, 4].map((attempt) => ({ attempt, status: undefined, error: 'connection refused (ECONNREFUSED)' })),
  );
});

it('never puts the URL path or query (the secret) in the result, even when the receiver echoes it', async () => {
  const secretPath = '/services/T000/B000/XXXXsecretXXXX?token=hunter2';
  receiver.script(secretPath, [{ status: 404, body: `no webhook at ${secretPath}` }]);
  const delivery = await notifyVia([target('echo', secretPath)])(gateOpened());
  expect(delivery.failed).toEqual(['echo']);
  expect(delivery.attempts[0]!.error).toBe('HTTP 404 Not Found: no webhook at …');
  expect(JSON.stringify(delivery)).not.toMatch(/secret|hunter2|T000/);
});

it('sends nothing without targets, or for a kind the webhooks are not subscribed to', async () => {
  const before = receiver.received.length;
  const notice = gateOpened();
  expect(await notifyVia([])(notice)).toEqual({ id: notice.id, delivered: [], failed: [], attempts: [] });
  expect(await notifyVia([target('breaches', '/breaches')], { kinds: ['breach', 'rolled-back'] })(notice)).toEqual({ id: notice.id, delivered: [], failed: [], attempts: [] });
  const activities = createActivities({ flagStore: new MemoryFlagStore(), volumeReader: noVolume });
  expect(await new MockActivityEnvironment().run(activities.notify, notice)).toEqual({ id: notice.id, delivered: [], failed: [], attempts: [] });
  expect(receiver.received.length).toBe(before);
  await notifyVia([target('breaches', '/breaches')], { kinds: ['breach', 'rolled-back'] })(gateOpened({ kind: 'breach' }));
  expect(receiver.requestsTo('/breaches')).toHaveLength(1);
});

it('throws only when the worker stops the activity (so Temporal retries it elsewhere)', async () => {
  receiver.script('/shutdown', ['hang']);
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const running = notifyVia([target('shutdown', '/shutdown')], { env })(gateOpened());
  await pollUntil(() => receiver.requestsTo('/shutdown').length, (count) => count === 1, { what: 'the request to arrive' });
  env.cancel('WORKER_SHUTDOWN');
  await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  expect(receiver.requestsTo('/shutdown')).toHaveLength(1);
});
