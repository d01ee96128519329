// FlagCache remembers per-actor answers only for the gates they were given with, and never for a random gate.
import Redis from 'ioredis';
import { isInPercentageOfActors } from '../flags/percentage-of-actors';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { FlagCache } from '../tracking/flag-cache';
import { eventually } from './support/eventually';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const ACTORS = Array.from({ length: 400 }, (_, i) => `group:namespace-${i}`);
const suite = useRedisServer();
const connections: Redis[] = [];
let cache: FlagCache | undefined;

afterEach(async () => {
  await cache?.stop();
  for (const connection of connections.splice(0)) await connection.quit();
});

function connect(): Redis {
  const connection = new Redis(suite.url);
  connections.push(connection);
  return connection;
}

async function startCache(prefix: string): Promise<{ cache: FlagCache; writer: RedisFlagStore }> {
  cache = new FlagCache({ store: new RedisFlagStore(suite.redis, { prefix }), subscriber: connect(), prefix, refreshIntervalMs: 60_000 });
  await cache.start([{ flag: FLAG, environments: ['production'] }]);
  // The rollout's writes come from another connection (another process).
  return { cache, writer: new RedisFlagStore(connect(), { prefix }) };
}

const answers = (c: FlagCache) => ACTORS.map((actor) => c.isEnabled(FLAG, 'production', actor));

it('answers every percentage-of-actors check like Flipper, before and after a change, asked once or many times', async () => {
  const { cache: c, writer } = await startCache('memo1');
  await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 30 });
  const expected30 = ACTORS.map((actor) => isInPercentageOfActors(FLAG, actor, 30));
  await eventually('the 30 % gate', () => c.isEnabled(FLAG, 'production', ACTORS[expected30.indexOf(true)]));
  expect(answers(c)).toEqual(expected30);
  expect(answers(c)).toEqual(expected30);

  await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 70 });
  const expected70 = ACTORS.map((actor) => isInPercentageOfActors(FLAG, actor, 70));
  await eventually('the 70 % gate', () => answers(c).every((on, i) => on === expected70[i]));
  // An actor gate on top: the remembered "no" for that actor must not outlive the change.
  const outside = expected70.indexOf(false);
  const outsider = ACTORS[outside] ?? 'group:none';
  await writer.apply(FLAG, 'production', { kind: 'actors', actors: [outsider] });
  await eventually('the actor gate', () => c.isEnabled(FLAG, 'production', outsider));
  expect(answers(c)).toEqual(expected70.map((on, i) => on || i === outside));
});

it('keeps drawing for a percentage-of-time gate: the same actor gets both answers', async () => {
  const { cache: c, writer } = await startCache('memo2');
  await writer.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfTime', value: 50 });
  await eventually('the 50 % of time gate', () => c.isEnabled(FLAG, 'production', ACTORS[0]));
  const seen = new Set(Array.from({ length: 200 }, () => c.isEnabled(FLAG, 'production', ACTORS[0])));
  expect(seen).toEqual(new Set([true, false]));
});
