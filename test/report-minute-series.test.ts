// The per-minute Snowplow counter against a real Redis: written with the other counters, read back one point per minute.
import { parsePlan } from '../plan/parse-plan';
import { collectRolloutReport } from '../report/build-rollout-report';
import { redisSeriesReader } from '../report/redis-series-reader';
import { freePort } from '../stack/free-port';
import { recordSentEvents } from '../volume/record-sent-events';
import { MAX_SERIES_MINUTES, MINUTE_BATCH, readSentPerMinute } from '../volume/read-sent-per-minute';
import { PER_MINUTE_TTL_SECONDS, snowplowSentPerMinuteKey } from '../volume/snowplow-counter-keys';
import type { RolloutStatus } from '../workflows/rollout-status';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const START = new Date('2026-05-04T09:00:20.000Z');
const minute = (n: number) => new Date(Date.parse('2026-05-04T09:00:00.000Z') + n * 60_000);

describe('per-minute counters', () => {
  const suite = useRedisServer();

  beforeEach(async () => {
    await suite.redis.flushdb();
  });

  it('are written by recordSentEvents next to the daily and per-second ones, with a TTL long enough for a rollout', async () => {
    const at = new Date(minute(3).getTime() + 12_345);
    await recordSentEvents(suite.redis, FLAG, new Map([['i_search_total', 7], ['g_edit_by_web_ide', 3]]), at);
    await recordSentEvents(suite.redis, FLAG, new Map([['i_search_total', 5]]), new Date(minute(3).getTime() + 59_999));
    const key = snowplowSentPerMinuteKey(FLAG, Math.floor(minute(3).getTime() / 60_000));
    expect(key).toBe(`snowplow_sent_per_minute:{${FLAG}}:${Math.floor(minute(3).getTime() / 60_000)}`);
    expect(await suite.redis.get(key)).toBe('15');
    const ttl = await suite.redis.ttl(key);
    expect(ttl).toBeGreaterThan(PER_MINUTE_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(35 * 86_400);
  });

  it('read back as one count per minute from the minute of start to the minute of end, zeros included, across batches', async () => {
    const minutes = 2 * MINUTE_BATCH + 500;
    const written = new Map<number, number>([
      [0, 4],
      [1, 9],
      [MINUTE_BATCH - 1, 11],
      [MINUTE_BATCH, 12],
      [minutes - 1, 3],
      [minutes, 1000], // the minute after the end: not read
    ]);
    for (const [n, count] of written) await recordSentEvents(suite.redis, FLAG, new Map([['e', count]]), new Date(minute(n).getTime() + 30_000));
    await recordSentEvents(suite.redis, 'another_flag', new Map([['e', 99]]), minute(1));

    const end = new Date(minute(minutes - 1).getTime() + 5_000);
    const series = await readSentPerMinute(suite.redis, FLAG, START, end);
    expect(series.firstMinute).toBe('2026-05-04T09:00:00.000Z');
    expect(series.counts).toHaveLength(minutes);
    expect(series.counts.reduce((a, b) => a + b, 0)).toBe(4 + 9 + 11 + 12 + 3);
    for (const [n, count] of written) if (n < minutes) expect(series.counts[n]).toBe(count);
    expect(series.counts.filter((c) => c === 0)).toHaveLength(minutes - 5);

    const one = await readSentPerMinute(suite.redis, FLAG, START, START);
    expect(one).toEqual({ firstMinute: '2026-05-04T09:00:00.000Z', counts: [4] });
  });

  it('refuses a range that ends before it starts or is too long to read at once, and a counter that is not a count', async () => {
    await expect(readSentPerMinute(suite.redis, FLAG, minute(5), minute(2))).rejects.toThrow(/end \(2026-05-04T09:02:00.000Z\) is before start \(2026-05-04T09:05:00.000Z\)/);
    await expect(readSentPerMinute(suite.redis, FLAG, minute(0), minute(MAX_SERIES_MINUTES))).rejects.toThrow(/at most 576000 \(400 days\)/);
    await suite.redis.set(snowplowSentPerMinuteKey(FLAG, Math.floor(minute(2).getTime() / 60_000)), 'lots');
    await expect(readSentPerMinute(suite.redis, FLAG, minute(0), minute(3))).rejects.toThrow(/per-minute bucket .* holds "lots"; expected a non-negative integer counter/);
  });

  it('leaves the report without its series, saying why, when Redis cannot be reached', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const reader = redisSeriesReader(closed, 1000);
    const status = {
      workflowId: `rollout-${FLAG}`,
      flag: FLAG,
      requester: 'carol',
      approvers: ['alice'],
      stage: 'staging-qa',
      state: 'awaiting-approval',
      pendingGate: 'staging-qa',
      pendingGateReason: null,
      gateDeadline: null,
      percentage: 0,
      lastVolume: null,
      guard: { checks: 0, decisions: [], unreadableSince: null, nextCheckAt: null },
      steps: [],
      refused: [],
      refusedCount: 0,
      overwritten: [],
      outcome: null,
      startedAt: START.toISOString(),
      endedAt: null,
      run: 1,
      plan: parsePlan({ flag: FLAG, requester: 'carol', approvers: ['alice'] }),
    } as RolloutStatus;
    try {
      const report = await collectRolloutReport(status, (f, s, e) => reader.read(f, s, e), minute(10));
      expect(report.volume.available).toBe(false);
      expect(report.volume.unavailableReason).toMatch(new RegExp(`^could not read the per-minute Snowplow counters: cannot reach Redis at ${closed}: `));
    } finally {
      await reader.close();
    }
    // The same reader on the suite's Redis reads the series.
    const live = redisSeriesReader(suite.url);
    try {
      const report = await collectRolloutReport(status, (f, s, e) => live.read(f, s, e), minute(10));
      expect(report.volume).toMatchObject({ available: true, firstMinute: '2026-05-04T09:00:00.000Z', lastMinute: '2026-05-04T09:10:00.000Z', total: 0 });
      expect(report.volume.counts).toHaveLength(11);
    } finally {
      await live.close();
    }
  });
});
