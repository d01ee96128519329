// Volume series for `rollout simulate`: CSV and JSON parsing with errors that name the line, sums over time, and the guard's reading of them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVolumeSeries, parseVolumeSeries, VolumeSeriesError } from '../simulate/parse-volume-series';
import { SimulatedTraffic } from '../simulate/simulated-traffic';
import { MAX_SERIES_SECONDS, VolumeSeries } from '../simulate/volume-series';

const T0 = 1_764_583_200; // 2025-12-01T10:00:00Z

function problem(text: string, source = 'v.csv'): string {
  try {
    parseVolumeSeries(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(VolumeSeriesError);
    return (error as Error).message;
  }
  throw new Error('expected the series to be refused');
}

describe('CSV series', () => {
  it('reads epochSecond,count lines with an optional header, comments, blank lines and CRLF; left-out seconds are 0', () => {
    const text = ['# recorded on the demo stack', 'epochSecond,count', `${T0},100`, '', `${T0 + 1}, 98 `, `${T0 + 4},102`, ''].join('\r\n');
    expect(parseVolumeSeries(text, 'v.csv')).toEqual({ firstSecond: T0, counts: [100, 98, 0, 0, 102] });
  });

  it.each([
    [`${T0},1,2`, 'v.csv line 2: expected 2 fields "epochSecond,count", found 3: "1764583200,1,2"'],
    [`${T0}`, 'v.csv line 2: expected 2 fields "epochSecond,count", found 1'],
    [`-5,1`, 'v.csv line 2: epoch second "-5" is not a whole number of seconds since 1970-01-01 UTC'],
    [`${T0}.5,1`, 'v.csv line 2: epoch second "1764583200.5" is not a whole number'],
    [`${T0}000,1`, 'v.csv line 2: epoch second 1764583200000 looks like milliseconds; give whole seconds'],
    [`${T0},-1`, 'v.csv line 2: count "-1" is not a whole number of events ≥ 0'],
    [`${T0},1.5`, 'v.csv line 2: count "1.5" is not a whole number of events ≥ 0'],
    [`${T0},lots`, 'v.csv line 2: count "lots" is not a whole number of events ≥ 0'],
    [`${T0},1\n${T0},2`, 'v.csv line 3: second 1764583200 does not come after 1764583200 (line 2); seconds must increase'],
    [`${T0},1\n${T0 - 1},2`, 'v.csv line 3: second 1764583199 does not come after 1764583200 (line 2)'],
    ['', 'v.csv: no data lines; expected lines "epochSecond,count"'],
    [`${T0},1\n${T0 + MAX_SERIES_SECONDS},1`, 'v.csv line 3: the series spans 2678401 seconds from 1764583200; at most 2678400 (31 days) — repeat a shorter one with --loop'],
  ])('refuses %j naming the line', (body, message) => {
    expect(problem(`# header comment\n${body}`)).toContain(message);
  });

  it('takes the header only as the first data line', () => {
    expect(problem(`${T0},1\nepochSecond,count`)).toContain('v.csv line 2: epoch second "epochSecond" is not a whole number');
  });
});

describe('JSON series', () => {
  it('reads [{t, count}] laid out any way', () => {
    expect(parseVolumeSeries(`[{"t": ${T0}, "count": 7}, {"count": 9, "t": ${T0 + 2}}]`, 'v.json')).toEqual({ firstSecond: T0, counts: [7, 0, 9] });
    expect(parseVolumeSeries(`\n  [\n    {"t": ${T0}, "count": 7}\n  ]\n`, 'v.json')).toEqual({ firstSecond: T0, counts: [7] });
  });

  const pretty = (entries: string[]) => `[\n${entries.map((e) => `  ${e}`).join(',\n')}\n]\n`;

  it.each([
    [pretty([`{"t": ${T0}, "count": 1}`, `{"t": ${T0 + 1}, "count": -2}`]), 'v.json line 3 (entry 2): count "-2" is not a whole number of events ≥ 0'],
    [pretty([`{"t": ${T0}, "count": 1}`, `{"t": "${T0 + 1}", "count": 2}`]), 'v.json line 3 (entry 2): "t" must be a number, got "1764583201"'],
    [pretty([`{"t": ${T0}, "count": 1}`, '[1, 2]']), 'v.json line 3 (entry 2): expected an object {"t": <epoch second>, "count": <events>}, got [1,2]'],
    [pretty([`{"t": ${T0}, "count": 1, "rate": 3}`]), 'v.json line 2 (entry 1): unknown field "rate"; allowed: "t", "count"'],
    [pretty([`{"t": ${T0}}`]), 'v.json line 2 (entry 1): missing field "count"'],
    [pretty([`{"t": ${T0 + 1}, "count": 1}`, `{"t": "x\\"],[{", "count": 1}`, `{"t": ${T0}, "count": 1}`]), 'v.json line 3 (entry 2): "t" must be a number'],
    [pretty([`{"t": ${T0 + 1}, "count": 1}`, `{"t": ${T0}, "count": 1}`]), 'v.json line 3: second 1764583200 does not come after 1764583201 (line 2)'],
    ['[\n  {"t": 1, "count": 1},\n  {"t": 2, "count": 1,}\n]', 'v.json line 3: invalid JSON:'],
    ['{"t": 1, "count": 1}', 'v.json: expected a JSON array of {"t": <epoch second>, "count": <events>}'],
    ['[]', 'v.json: an empty array'],
  ])('refuses %j naming the line', (text, message) => {
    expect(problem(text, 'v.json')).toContain(message);
  });
});

describe('loading a series file', () => {
  it('reads a file and says when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-series-'));
    const file = join(dir, 'v.csv');
    writeFileSync(file, `${T0},3\n`);
    expect(loadVolumeSeries(file)).toEqual({ firstSecond: T0, counts: [3] });
    expect(() => loadVolumeSeries(join(dir, 'missing.csv'))).toThrow(`${join(dir, 'missing.csv')}: cannot read the volume series: no such file`);
    expect(() => loadVolumeSeries(dir)).toThrow('cannot read the volume series: it is a directory');
  });
});

describe('VolumeSeries', () => {
  const series = new VolumeSeries(T0, [100, 200, 300]);
  const at = (seconds: number) => (T0 + seconds) * 1000;

  it('sums whole and partial seconds, nothing outside the series', () => {
    expect(series.total).toBe(600);
    expect(series.eventsBetween(at(0), at(3))).toBe(600);
    expect(series.eventsBetween(at(0.5), at(1.5))).toBeCloseTo(150);
    expect(series.eventsBetween(at(-10), at(1))).toBe(100);
    expect(series.eventsBetween(at(2), at(10))).toBe(300);
    expect(series.eventsBetween(at(2), at(1))).toBe(0);
    expect(series.covers(at(3))).toBe(true);
    expect(series.covers(at(3.001))).toBe(false);
  });

  it('repeats when it loops', () => {
    const looped = new VolumeSeries(T0, [100, 200, 300], true);
    expect(looped.covers(at(1_000_000))).toBe(true);
    expect(looped.eventsBetween(at(0), at(7))).toBe(1300);
    expect(looped.eventsBetween(at(3), at(4.5))).toBeCloseTo(200);
  });
});

describe('SimulatedTraffic', () => {
  it('reads like the guard reads Redis: complete seconds of the window, today since 00:00 UTC, days before for the average', () => {
    const dayStart = Date.UTC(2025, 11, 1) / 1000; // a series from the day before, 100 events every second
    const series = new VolumeSeries(dayStart - 86_400, new Array<number>(2 * 86_400).fill(100));
    const traffic = new SimulatedTraffic(series, 'sim_flag');
    traffic.setShare((dayStart - 43_200) * 1000, 0.1); // 10 % from noon the day before
    traffic.setShare((dayStart + 3600) * 1000, 0.5); // 50 % from 01:00
    const reading = traffic.reading((dayStart + 3602.5) * 1000, 4);
    expect(reading).toEqual({
      at: '2025-12-01T01:00:02.500Z',
      day: '2025-12-01',
      count: 3600 * 10 + 2.5 * 50,
      key: 'snowplow_sent:{sim_flag}:2025-12-01',
      rollingAverage: 43_200 * 10,
      rollingDays: 1,
      windowSeconds: 4,
      windowCount: 2 * 10 + 2 * 50, // seconds 3598..3601: two at 10 %, two at 50 %
    });
    expect(traffic.perMinute((dayStart + 3540) * 1000, (dayStart + 3630) * 1000)).toEqual({ firstMinute: '2025-12-01T00:59:00.000Z', counts: [600, 1500] });
  });
});
