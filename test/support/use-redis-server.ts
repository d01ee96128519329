// Gives a test suite its own redis-server and client, started before all tests and stopped after them.
import Redis from 'ioredis';
import { startRedisServer, type RunningRedis } from '../../stack/redis-server';

export interface SuiteRedis {
  /** The connected client (valid inside tests and hooks). */
  readonly redis: Redis;
  readonly url: string;
}

/**
 * Call at the top level of a test file. Jest runs afterAll hooks of one block in declaration order, so hooks that
 * must still reach Redis while closing (trackers, caches) belong in a describe block: its afterAll runs first.
 */
export function useRedisServer(): SuiteRedis {
  let server: RunningRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });
  return {
    get redis() {
      if (!client) throw new Error('useRedisServer: the Redis client exists only once beforeAll has run');
      return client;
    },
    get url() {
      if (!server) throw new Error('useRedisServer: the server exists only once beforeAll has run');
      return server.url;
    },
  };
}
