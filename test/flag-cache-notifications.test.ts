// RedisFlagStore announces its writes on the changes channel: on apply and delete, never on a replayed change id.
import Redis from 'ioredis';
import type { FlagChange } from '../flags/flag-gates';
import {
  RedisFlagStore,
  flagChangeMessage,
  flagChangesChannel,
  parseFlagChangeMessage,
} from '../flags/redis-flag-store';
import { useRedisServer } from './support/use-redis-server';

const FLAG = 'route_hll_to_snowplow_phase3';
const OTHER = 'sentinel_flag';

const suite = useRedisServer();

describe('RedisFlagStore change notifications', () => {
  let subscriber: Redis;
  let received: { channel: string; message: string }[];
  let waiters: (() => void)[];

  beforeEach(async () => {
    subscriber = new Redis(suite.url);
    received = [];
    waiters = [];
    subscriber.on('message', (channel: string, message: string) => {
      received.push({ channel, message });
      for (const wake of waiters.splice(0)) wake();
    });
    await subscriber.subscribe(flagChangesChannel('notify'));
  });

  afterEach(async () => {
    await subscriber.quit();
  });

  /** Resolves once `count` messages have arrived (fails the test after 2 s). */
  async function messages(count: number): Promise<string[]> {
    const deadline = Date.now() + 2000;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${JSON.stringify(received)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return received.map(({ message }) => message);
  }

  it('names the channel after the prefix and formats messages as "<env>\\n<flag>"', () => {
    expect(flagChangesChannel('flipper')).toBe('flipper:changes');
    expect(flagChangeMessage('production', FLAG)).toBe(`production\n${FLAG}`);
    expect(parseFlagChangeMessage(`staging-ref\n${FLAG}`)).toEqual({ env: 'staging-ref', flag: FLAG });
    expect(parseFlagChangeMessage(`moon\n${FLAG}`)).toBeNull();
    expect(parseFlagChangeMessage('production')).toBeNull();
    expect(parseFlagChangeMessage('production\n')).toBeNull();
  });

  it('publishes on every apply and on delete', async () => {
    const connection = new Redis(suite.url);
    const store = new RedisFlagStore(connection, { prefix: 'notify' });
    try {
      await store.apply(FLAG, 'production', { kind: 'actors', actors: ['group:gitlab-org'] });
      await store.apply(FLAG, 'staging', { kind: 'boolean', value: true }, 'notify-1');
      await store.delete(FLAG, 'production');
      expect(await messages(3)).toEqual([`production\n${FLAG}`, `staging\n${FLAG}`, `production\n${FLAG}`]);
      expect(received.every(({ channel }) => channel === 'notify:changes')).toBe(true);
    } finally {
      await connection.quit();
    }
  });

  it('does not publish when a recorded change id is replayed', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'notify' });
    await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 5 }, 'notify-replay');
    expect(await messages(1)).toEqual([`production\n${FLAG}`]);

    const replayed = await store.apply(FLAG, 'production', { kind: 'percentage', gate: 'percentageOfActors', value: 5 }, 'notify-replay');
    expect(replayed.current?.percentageOfActors).toBe(5);
    // Pub/Sub keeps the order of publishes, so had the replay published, its message would come before this one.
    await store.apply(OTHER, 'dev', { kind: 'boolean', value: true });
    expect(await messages(2)).toEqual([`production\n${FLAG}`, `dev\n${OTHER}`]);
  });

  it('publishes once when retries of one change id race (the script finds the record the first one wrote)', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'notify' });
    const change: FlagChange = { kind: 'actors', actors: ['user:bob'] };
    await Promise.all(Array.from({ length: 10 }, () => store.apply(FLAG, 'production', change, 'notify-race')));
    await store.apply(OTHER, 'dev', { kind: 'boolean', value: true });
    expect(await messages(2)).toEqual([`production\n${FLAG}`, `dev\n${OTHER}`]);
  });

  it('does not publish under another prefix', async () => {
    const store = new RedisFlagStore(suite.redis, { prefix: 'elsewhere' });
    await store.apply(FLAG, 'dev', { kind: 'boolean', value: true });
    await new RedisFlagStore(suite.redis, { prefix: 'notify' }).apply(OTHER, 'dev', { kind: 'boolean', value: true });
    expect(await messages(1)).toEqual([`dev\n${OTHER}`]);
  });
});
