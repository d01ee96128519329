// Change windows and freezes on the time-skipping server: a Friday-evening rollout waits for Monday; a freeze holds it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFreezeSource } from '../change-control/freeze-source';
import * as messages from '../workflows/messages';
import { recordHistory } from './support/record-history';
import { pendingGateIs, startTimeSkippingHarness, type Harness } from './support/time-skipping-harness';

let h: Harness;
let freezeServer: Server;
let freeze: { status: number; body: unknown } = { status: 200, body: { active: false } };

beforeAll(async () => {
  freezeServer = createServer((_req, res) => res.writeHead(freeze.status, { 'content-type': 'application/json' }).end(JSON.stringify(freeze.body)));
  await new Promise<void>((resolve) => freezeServer.listen(0, '127.0.0.1', resolve));
  const { port } = freezeServer.address() as AddressInfo;
  h = await startTimeSkippingHarness({ freeze: httpFreezeSource(`http://127.0.0.1:${port}/freeze?token=secret`) });
});

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => freezeServer?.close(resolve));
});

const WORKDAYS_UTC = { timeZone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', oncallAfterChange: '2h' };

/** The next Friday 18:00 UTC after `ms`. */
function nextFridayEvening(ms: number): number {
  const day = new Date(ms);
  const friday = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + ((5 - day.getUTCDay() + 7) % 7), 18);
  return friday > ms ? friday : friday + 7 * 86_400_000;
}

it('holds the first production change of a Friday-evening rollout until Monday 09:00, inside the window', async () => {
  // Nothing runs yet: move the server's clock to Friday evening in short skips.
  const fridayEvening = nextFridayEvening(await h.env.currentTimeMs());
  while ((await h.env.currentTimeMs()) < fridayEvening - 5 * 3600_000) await h.env.sleep('5h');
  await h.env.sleep(fridayEvening - (await h.env.currentTimeMs()));

  const flag = 'friday_evening_flag';
  const handle = await h.start({ flag, changeWindow: WORKDAYS_UTC } as never);
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa'); // non-production changes are not windowed
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  const held = await h.waitFor(handle, (s) => s.held != null, 'the hold before production');
  const monday = new Date(fridayEvening + 3 * 86_400_000 - 9 * 3600_000); // Monday 09:00 UTC
  expect(held.held).toMatchObject({ kind: 'change-window', until: monday.toISOString() });
  expect(held.held!.reason).toMatch(/less than 2h of the window .* next window \d{4}-\d\d-\d\d 09:00/);
  expect(held.stage).toBe('production-actors');

  const atGate = await h.skipUntil(handle, pendingGateIs('production-qa'), 'production-qa after the weekend', { step: '5h', limit: '3d' });
  const enabled = atGate.steps.find((s) => s.action === 'enabled for actors')!;
  expect(Date.parse(enabled.at) - monday.getTime()).toBeGreaterThanOrEqual(0);
  expect(Date.parse(enabled.at) - monday.getTime()).toBeLessThan(60_000);
  expect(atGate.held).toBeNull();
  expect(atGate.steps.map((s) => s.action)).toEqual(expect.arrayContaining([expect.stringMatching(/^held \(change-window\)/), expect.stringMatching(/^hold released after \d+ min/)]));
  await h.signal(handle, messages.abort, { by: 'alice', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  await recordHistory('change-window-weekend', handle);
});

it('holds production changes while a freeze is active or unknown, and goes on once it lifts', async () => {
  freeze = { status: 200, body: { active: true, reason: 'incident #4821: elevated error rate' } };
  const flag = 'frozen_flag';
  const handle = await h.start({ flag });
  await h.waitFor(handle, pendingGateIs('staging-qa'), 'staging-qa');
  await h.signal(handle, messages.approve, { gate: 'staging-qa', by: 'alice' });
  const held = await h.waitFor(handle, (s) => s.held != null, 'the freeze hold');
  expect(held.held).toMatchObject({ kind: 'freeze', reason: 'incident #4821: elevated error rate', until: null });
  freeze = { status: 503, body: {} }; // the freeze service is down: unknown is not "no"
  const unknown = await h.skipUntil(handle, (s) => /freeze state unknown/.test(s.held?.reason ?? ''), 'the unknown freeze', { step: '5m', limit: '30m' });
  expect(unknown.held!.reason).toMatch(/answered HTTP 503/);
  expect(JSON.stringify(unknown)).not.toContain('token=secret');
  freeze = { status: 200, body: { active: false } };
  const goes = await h.skipUntil(handle, pendingGateIs('production-qa'), 'production-qa once the freeze lifts', { step: '5m', limit: '30m' });
  expect(goes.held).toBeNull();
  expect(goes.steps.some((s) => s.action === 'enabled for actors')).toBe(true);
  await h.signal(handle, messages.abort, { by: 'alice', reason: 'end of test' });
  expect((await h.finalStatus(handle)).state).toBe('rolled-back');
  await recordHistory('freeze-hold', handle);
});
