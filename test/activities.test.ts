// The activities against a real Redis: retries with the same change id never double-apply; revert is exact.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createActivities, type FlagChangeRequest, type RevertRequest, type RevertResult } from '../activities/create-activities';
import type { AppliedChange } from '../flags/flag-store';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { RedisVolumeReader } from '../volume/redis-volume-reader';
import { snowplowSentCounterKey, snowplowSentPerSecondKey, utcDay } from '../volume/snowplow-counter-keys';
import { useRedisServer } from './support/use-redis-server';

const suite = useRedisServer();
let redis: Redis;
let store: RedisFlagStore;
let activities: ReturnType<typeof createActivities>;
const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const apply = (request: FlagChangeRequest): Promise<AppliedChange> => env.run(activities.applyFlagChange, request);
const revert = (request: RevertRequest): Promise<RevertResult> => env.run(activities.revertFlagChange, request);

beforeAll(() => {
  redis = suite.redis;
  store = new RedisFlagStore(redis);
  activities = createActivities({ flagStore: store, volumeReader: new RedisVolumeReader(redis) });
});

it('applies a change once even when the activity is retried, and reports the original previous gates', async () => {
  const request: FlagChangeRequest = { flag: 'retried', environment: 'production', change: { kind: 'actors', actors: ['user:a'] }, changeId: 'wf/run/1' };
  const first = await apply(request);
  // Someone changes the flag by hand between the attempts; the retry must neither re-apply nor forget `previous`.
  await store.apply('retried', 'production', { kind: 'boolean', value: true });
  const retry = await apply(request);
  expect(retry).toEqual(first);
  expect(first.previous).toBeNull();
  expect(await store.get('retried', 'production')).toMatchObject({ boolean: true, actors: ['user:a'] });
});

it('reverts to the gates recorded before the change, and only once', async () => {
  await store.apply('reverted', 'staging', { kind: 'percentage', gate: 'percentageOfTime', value: 7 });
  await apply({ flag: 'reverted', environment: 'staging', change: { kind: 'boolean', value: true }, changeId: 'c1' });
  const result = await revert({ flag: 'reverted', environment: 'staging', changeId: 'c1' });
  expect(result).toEqual({
    reverted: true,
    gates: { boolean: null, actors: [], groups: [], percentageOfActors: null, percentageOfTime: 7 },
    found: { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: 7 },
    source: 'change-record',
    changeRecord: 'matches',
  });
  expect(await revert({ flag: 'reverted', environment: 'staging', changeId: 'c1' })).toEqual(result);
});

it('has nothing to revert when the change never happened', async () => {
  await store.apply('untouched', 'dev', { kind: 'boolean', value: true });
  expect(await revert({ flag: 'untouched', environment: 'dev', changeId: 'never-applied' })).toEqual({
    reverted: false,
    gates: { boolean: true, actors: [], groups: [], percentageOfActors: null, percentageOfTime: null },
  });
});

it('fails bad input without retries', async () => {
  const bad: FlagChangeRequest = { flag: 'x', environment: 'production', change: { kind: 'percentage', gate: 'percentageOfTime', value: 150 }, changeId: 'bad' };
  await expect(apply(bad)).rejects.toMatchObject({ type: 'InvalidFlagInput', nonRetryable: true });
  expect(await store.get('x', 'production')).toBeNull();
});

it("reads today's count, the rolling average of earlier days and the recent window", async () => {
  const now = new Date();
  await redis.set(snowplowSentCounterKey('counted', utcDay(now)), '1234');
  await redis.set(snowplowSentCounterKey('counted', utcDay(new Date(now.getTime() - 86_400_000))), '300');
  await redis.set(snowplowSentCounterKey('counted', utcDay(new Date(now.getTime() - 3 * 86_400_000))), '100');
  const second = Math.floor(now.getTime() / 1000);
  await redis.set(snowplowSentPerSecondKey('counted', second - 5), '40');
  await redis.set(snowplowSentPerSecondKey('counted', second - 20), '1000'); // outside a 10 s window
  const reading = await env.run(activities.readEventVolume, { flag: 'counted', windowSeconds: 10 });
  expect(reading).toMatchObject({ count: 1234, day: utcDay(now), rollingAverage: 200, rollingDays: 2, windowSeconds: 10, windowCount: 40 });
  expect(await env.run(activities.readEventVolume, { flag: 'silent', windowSeconds: 60 })).toMatchObject({
    count: 0,
    rollingAverage: null,
    windowCount: 0,
  });
});
