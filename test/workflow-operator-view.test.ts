// Pause and resume, several approvals per gate, notifications and gate reminders, on the time-skipping server with real Redis and a real webhook receiver.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { formatStatus } from '../client/format-status';
import type { RolloutNotice } from '../notify/rollout-notice';
import * as messages from '../workflows/messages';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';
import { recordHistory } from './support/record-history';
import { pollUntil } from './support/eventually';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let h: Harness;
let receiver: WebhookReceiver;
let deadUrl: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  deadUrl = await closedPortUrl();
  h = await startTimeSkippingHarness({
    notify: {
      targets: [
        { name: 'ops', url: `${receiver.url}/ops` },
        { name: 'dead', url: `${deadUrl}/hook` }, // nothing listens: every attempt fails, the rollout goes on
      ],
      kinds: ['gate-opened', 'gate-reminder', 'production-change', 'breach', 'volume-review', 'rolled-back', 'rollback-failed', 'completed', 'paused', 'resumed'],
      policy: { attempts: 2, backoffMs: 10, requestTimeoutMs: 2000, totalTimeoutMs: 5000 },
    },
  });
});

afterAll(async () => {
  await h?.close();
  await receiver?.stop();
});

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The notices the live webhook received for `flag`, in order. */
function noticesFor(flag: string): RolloutNotice[] {
  return receiver
    .requestsTo('/ops')
    .map((request) => (JSON.parse(request.body) as { notice: RolloutNotice }).notice)
    .filter((notice) => notice.flag === flag);
}

it('notifies a gate with its command, reminds at 50 % and 90 % of its deadline, and reports every production change and the end, past a dead webhook', async () => {
  const flag = 'notified_flag';
  const plan = { flag, approvalTimeout: '10h', ramp: { steps: [50, 100], soak: '1m' }, verification: '1h', guard: { interval: '15m', minSample: 0 } };
  const handle = await h.start(plan as never);
  const opened = await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.skipUntil(handle, () => noticesFor(flag).filter((n) => n.kind === 'gate-reminder').length === 2, 'two reminders', { step: '1h', limit: '9h30m' });
  const [gateOpened, ...reminders] = noticesFor(flag);
  expect(gateOpened).toMatchObject({ kind: 'gate-opened', gate: 'staging-qa', deadline: opened.gateDeadline });
  expect(gateOpened!.commands).toContain(`rollout approve ${flag} --gate staging-qa --by <you> --comment "…"`);
  expect(reminders.map((n) => [n.kind, n.gate, n.deadline])).toEqual([
    ['gate-reminder', 'staging-qa', opened.gateDeadline],
    ['gate-reminder', 'staging-qa', opened.gateDeadline],
  ]);
  // Reminders went out at 5 h and 9 h of the 10 h: workflow time in the notice.
  const openedAt = Date.parse(opened.gateDeadline!) - 10 * 3600_000;
  expect(reminders.map((n) => Math.round((Date.parse(n.at) - openedAt) / 60_000))).toEqual([5 * 60, 9 * 60]);

  await h.passGates(handle);
  const result = await h.finalStatus(handle);
  expect(result.state).toBe('completed');
  await pollUntil(() => noticesFor(flag).at(-1)?.kind, (kind) => kind === 'completed', { what: 'the completed notice', timeoutMs: 10_000 });
  const kinds = noticesFor(flag).map((n) => n.kind);
  expect(kinds.filter((k) => k === 'gate-opened')).toHaveLength(3);
  expect(kinds.filter((k) => k === 'production-change')).toHaveLength(4); // actors, 50 %, 100 %, global
  expect(new Set(noticesFor(flag).map((n) => n.id)).size).toBe(kinds.length);
  // Every attempt is in the history: the dead webhook's failures are in the notify activity's results.
  const history = await handle.fetchHistory();
  const results = (history.events ?? [])
    .filter((e) => e.activityTaskCompletedEventAttributes)
    .map((e) => JSON.stringify(e.activityTaskCompletedEventAttributes?.result ?? {}));
  expect(results.length).toBeGreaterThan(0);
  expect(JSON.stringify(history)).not.toContain(deadUrl.replace('http://', ''));
  await recordHistory('notifications-and-reminders', handle);
});

it('pauses: the soak clock stops, the guard keeps reading, and resume carries on with the time the soak had left', async () => {
  const flag = 'paused_flag';
  const handle = await h.start({ flag, ramp: { steps: [50, 100], soak: '1h' }, verification: '1h', guard: { interval: '15m', minSample: 0 } } as never);
  await h.passGates(handle);
  const at50 = await h.waitFor(handle, (s) => s.percentage === 50, '50 %');
  await h.env.sleep('20m');
  await h.signal(handle, messages.pause, { by: 'bob', reason: 'incident in another service' });
  const paused = await h.waitFor(handle, (s) => s.paused != null, 'paused');
  expect(paused.paused).toMatchObject({ by: 'bob', reason: 'incident in another service' });
  expect(formatStatus(paused)).toMatch(/paused: {6}by bob since \S+: incident in another service/);
  const checksAtPause = paused.guard.checks;
  // Three hours paused: the soak (40 minutes left) does not end, the guard reads on.
  const held = await h.skipUntil(handle, (s) => s.guard.checks >= checksAtPause + 12, '12 more guard checks', { step: '15m', limit: '3h' });
  expect(held.percentage).toBe(50);
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  await h.signal(handle, messages.resume, { by: 'bob', reason: 'incident over' });
  const resumed = await h.waitFor(handle, (s) => s.paused === null, 'resumed');
  expect(resumed.steps.at(-1)?.action).toMatch(/^resumed after \d+ s paused$/);
  expect(resumed.steps.at(-1)).toMatchObject({ by: 'bob', comment: 'incident over' });
  const at100 = await h.skipUntil(handle, (s) => s.percentage === 100, '100 %', { step: '10m', limit: '2h' });
  const set = (pct: number) => Date.parse(at100.steps.find((s) => s.percentage === pct)!.at);
  const pausedMs = Date.parse(resumed.steps.at(-1)!.at) - Date.parse(paused.paused!.at);
  // The step to 100 % came one soak after 50 %, plus the time paused (give or take the activities' real milliseconds).
  expect(Math.abs(set(100) - set(50) - (3600_000 + pausedMs))).toBeLessThan(1000);
  expect(at50.percentage).toBe(50);
  await h.signal(handle, messages.abort, { by: 'bob', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  expect(noticesFor(flag).map((n) => n.kind)).toEqual(expect.arrayContaining(['paused', 'resumed', 'rolled-back']));
  await recordHistory('pause-resume-soak', handle);
});

it('moves a gate deadline by the time paused and refuses decisions while paused', async () => {
  const flag = 'paused_gate_flag';
  const handle = await h.start({ flag, approvalTimeout: '1d' } as never);
  const open = await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.pause, { by: 'mikolaj_wawrzyniak', reason: 'waiting for a fix' });
  await h.waitFor(handle, (s) => s.paused != null, 'paused');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  const refused = await h.waitFor(handle, (s) => s.refusedCount === 1, 'the approval refused');
  expect(refused.refused[0]!.reason).toMatch(/paused \(by mikolaj_wawrzyniak\); resume it first/);
  await h.env.sleep('2h');
  await h.signal(handle, messages.resume, { by: 'mikolaj_wawrzyniak', reason: 'fix deployed' });
  const resumed = await h.waitFor(handle, (s) => s.paused === null, 'resumed');
  expect(Date.parse(resumed.gateDeadline!) - Date.parse(open.gateDeadline!)).toBeGreaterThanOrEqual(2 * 3600_000);
  await h.signal(handle, messages.abort, { by: 'alice', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  await recordHistory('pause-resume-gate', handle);
});

it('needs two distinct approvers on a gate that asks for two, showing who approved and who still may', async () => {
  const flag = 'four_eyes_flag';
  const handle = await h.start({ flag, approvers: ['alice', 'bob', 'dana'], gates: { 'production-qa': { approvals: 2 } } });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  await h.waitFor(handle, pendingGateIs('production-qa'), 'production-qa');
  await h.signal(handle, messages.approve, { gate: 'production-qa', by: 'alice', comment: 'looks good' });
  const half = await h.waitFor(handle, (s) => (s.pendingGateApprovals?.approvedBy.length ?? 0) === 1, 'one approval');
  expect(half.pendingGate).toBe('production-qa');
  expect(half.pendingGateApprovals).toEqual({ required: 2, approvedBy: ['alice'], mayStillApprove: ['bob', 'dana'] });
  expect(formatStatus(half)).toContain('approvals 1 of 2 (alice); may still approve: bob, dana');
  await h.signal(handle, messages.approve, { gate: 'production-qa', by: 'ALICE' });
  const again = await h.waitFor(handle, (s) => s.refusedCount === 1, 'the second approval by alice refused');
  expect(again.refused[0]!.reason).toMatch(/ALICE has already approved production-qa \(1 of 2\)/);
  await h.signal(handle, messages.approve, { gate: 'production-qa', by: 'dana', comment: 'agreed' });
  const next = await h.waitFor(handle, pendingGateIs('global-readiness'), 'global-readiness');
  expect(next.steps.filter((s) => s.gate === 'production-qa').map((s) => [s.action, s.by, s.comment])).toEqual([
    ['approved (1 of 2)', 'alice', 'looks good'],
    ['approved (2 of 2)', 'dana', 'agreed'],
  ]);
  await h.signal(handle, messages.abort, { by: 'alice', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  await recordHistory('two-approvals', handle);
});
