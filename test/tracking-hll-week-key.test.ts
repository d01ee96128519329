// Weekly HLL key names match strftime %G-%V (checked against Python) and the memo gives the same keys.
import { HLL_KEY_TTL_SECONDS, hllWeekKey, memoizedWeekKey } from '../tracking/hll-week-key';

describe('hllWeekKey', () => {
  // Expected values from python3: datetime.date(y, m, d).strftime('%G-%V')
  test.each([
    ['2021-01-03', '2020-53'],
    ['2021-01-04', '2021-01'],
    ['2020-12-31', '2020-53'],
    ['2024-12-30', '2025-01'],
    ['2025-12-29', '2026-01'],
    ['2026-01-01', '2026-01'],
    ['2026-11-25', '2026-48'],
    ['2027-01-01', '2026-53'],
    ['2016-01-01', '2015-53'],
    ['2018-12-31', '2019-01'],
    ['2010-01-03', '2009-53'],
  ])('%s is ISO week %s', (day, week) => {
    expect(hllWeekKey('i_search_total', new Date(`${day}T12:00:00Z`))).toBe(`{hll_counters}_i_search_total-${week}`);
  });

  test('uses the UTC day: the last second of Sunday and the first of Monday fall in different weeks', () => {
    expect(hllWeekKey('e', new Date('2026-11-29T23:59:59Z'))).toBe('{hll_counters}_e-2026-48');
    expect(hllWeekKey('e', new Date('2026-11-30T00:00:00Z'))).toBe('{hll_counters}_e-2026-49');
  });

  test('keys expire after 6 weeks', () => {
    expect(HLL_KEY_TTL_SECONDS).toBe(42 * 86400);
  });
});

describe('memoizedWeekKey', () => {
  it('gives the same keys as hllWeekKey across a week boundary and a year change', () => {
    const key = memoizedWeekKey();
    for (const iso of ['2024-12-29T23:59:59Z', '2024-12-30T00:00:00Z', '2024-12-30T13:00:00Z', '2026-11-25T10:00:00Z', '2021-01-03T12:00:00Z']) {
      const date = new Date(iso);
      expect(key('i_quickactions_approve', date.getTime())).toBe(hllWeekKey('i_quickactions_approve', date));
      expect(key('g_edit_by_web_ide', date.getTime())).toBe(hllWeekKey('g_edit_by_web_ide', date));
    }
  });
});
