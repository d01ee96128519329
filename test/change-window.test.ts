// The change window rule: days, hours and holidays in a time zone, with on-call time left after a change.
import { windowVerdict, type ChangeWindow } from '../change-control/change-window';

const WORKDAYS: ChangeWindow = { timeZone: 'Europe/Amsterdam', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', holidays: ['2026-12-25'], oncallAfterChange: '2h' };

it('is open on a workday morning in the window time zone', () => {
  expect(windowVerdict(WORKDAYS, new Date('2026-11-30T09:30:00Z'))).toEqual({ open: true }); // 10:30 in Amsterdam
});

it('sends a Friday-evening change to Monday morning', () => {
  const verdict = windowVerdict(WORKDAYS, new Date('2026-12-04T17:30:00Z')); // Friday 18:30 in Amsterdam
  expect(verdict).toMatchObject({ open: false, opensAt: new Date('2026-12-07T08:00:00Z') });
  expect(verdict.open === false && verdict.reason).toMatch(/less than 2h of the window .* next window 2026-12-07 09:00/);
});

it('keeps two hours of on-call: no change after 15:00 when the window ends at 17:00', () => {
  expect(windowVerdict(WORKDAYS, new Date('2026-11-30T14:00:00Z')).open).toBe(true); // 15:00 local
  expect(windowVerdict(WORKDAYS, new Date('2026-11-30T14:01:00Z')).open).toBe(false); // 15:01 local
});

it('skips holidays and weekends, and follows the time zone across a DST change', () => {
  expect(windowVerdict(WORKDAYS, new Date('2026-12-25T10:00:00Z'))).toMatchObject({ open: false, opensAt: new Date('2026-12-28T08:00:00Z') });
  // Sunday 29 March 2026 Europe switches to summer time: Monday 09:00 is 07:00 UTC.
  expect(windowVerdict(WORKDAYS, new Date('2026-03-28T12:00:00Z'))).toMatchObject({ open: false, opensAt: new Date('2026-03-30T07:00:00Z') });
});
