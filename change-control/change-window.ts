// When production changes may happen: weekdays and hours in a time zone, minus holidays, with on-call time left after.
import { durationToMs } from '../plan/duration-text-schema';
import type { DurationText } from '../plan/rollout-plan';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A plan's change window: production changes only on `days`, between `from` and `to` local time in `timeZone`. */
export interface ChangeWindow {
  /** IANA time zone, e.g. `Europe/Amsterdam` or `UTC`. */
  timeZone: string;
  days: Weekday[];
  /** Local time `HH:MM` the window opens each day. */
  from: string;
  /** Local time `HH:MM` it closes (after `from`). */
  to: string;
  /** Local dates `YYYY-MM-DD` without a window. */
  holidays: string[];
  /** How much of the window must remain after a change, so someone is there to watch it (the 2 hours). */
  oncallAfterChange: DurationText;
}

export type WindowVerdict = { open: true } | { open: false; reason: string; opensAt: Date };

/** True when `timeZone` is one Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes after midnight of `HH:MM`. */
export function minutesOf(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + m!;
}

/** The local calendar date, weekday and minute of the day of `at` in `timeZone`. */
function localParts(at: Date, timeZone: string): { date: string; weekday: Weekday; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: parts.weekday!.toLowerCase().slice(0, 3) as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The instant of local `date` (YYYY-MM-DD) at `minute` in `timeZone` (the later one when DST repeats it). */
function instantOf(date: string, minute: number, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  let guess = Date.UTC(y!, mo! - 1, d, Math.floor(minute / 60), minute % 60);
  // Twice: the offset at the first guess can differ from the offset at the answer across a DST change.
  for (let i = 0; i < 2; i++) {
    const local = localParts(new Date(guess), timeZone);
    const [ly, lmo, ld] = local.date.split('-').map(Number);
    const shownAsUtc = Date.UTC(ly!, lmo! - 1, ld, Math.floor(local.minute / 60), local.minute % 60);
    guess += Date.UTC(y!, mo! - 1, d, Math.floor(minute / 60), minute % 60) - shownAsUtc;
  }
  return new Date(guess);
}

/** Whether a production change may happen at `at`; when not, why and when the window next allows one. */
export function windowVerdict(window: ChangeWindow, at: Date): WindowVerdict {
  const from = minutesOf(window.from);
  const lastStart = minutesOf(window.to) - Math.ceil(durationToMs(window.oncallAfterChange)! / 60_000);
  const allowedDay = (date: string, weekday: Weekday) => window.days.includes(weekday) && !window.holidays.includes(date);
  const now = localParts(at, window.timeZone);
  if (allowedDay(now.date, now.weekday) && now.minute >= from && now.minute <= lastStart) return { open: true };
  const why = !window.days.includes(now.weekday)
    ? `${now.weekday} is not a change day (${window.days.join(', ')})`
    : window.holidays.includes(now.date)
      ? `${now.date} is a holiday`
      : now.minute < from
        ? `the change window opens at ${window.from}`
        : `less than ${window.oncallAfterChange} of the window (until ${window.to}) is left for on-call to watch the change`;
  // The next day (today included, when its window is still ahead) whose window allows a change.
  for (let day = 0; day <= 400; day++) {
    const probe = localParts(new Date(at.getTime() + day * 86_400_000), window.timeZone);
    if (!allowedDay(probe.date, probe.weekday)) continue;
    const opensAt = instantOf(probe.date, from, window.timeZone);
    if (opensAt.getTime() > at.getTime()) {
      return { open: false, reason: `${why} (${window.timeZone}); next window ${probe.date} ${window.from}`, opensAt };
    }
  }
  return { open: false, reason: `${why}; no change day in the next 400 days`, opensAt: new Date(at.getTime() + 365 * 86_400_000) };
}
