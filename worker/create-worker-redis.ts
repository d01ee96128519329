// The Redis client behind a worker's activities: fails a command fast while Redis is down, so Temporal's retries decide.
import type { Redis } from 'ioredis';
import { createRedisClient, redisSettingsOf, type RedisTarget } from '../redis/create-redis-client';
import type { RedisClient } from '../redis/redis-client';

/** Connection problems are reported here (at most one line per distinct error until it reconnects), never on stderr. */
export type RedisProblemReporter = (event: 'error' | 'ready', detail: string) => void;

/**
 * A client that keeps reconnecting (every 200 ms growing to 2 s) but fails each command after one failed reconnect:
 * an activity then fails in about a second and is retried by its Temporal retry policy (flag writes for the plan's
 * outageTolerance, guard reads as "unreadable"), instead of hanging on a queue until its timeout. On a Redis Cluster a
 * command to a master that went away is retried by the client while a replica takes over, then fails the same way.
 * A URL is one server (tests); the configuration may name a cluster (REDIS_CLUSTER) and TLS files (REDIS_TLS_*).
 */
export function createWorkerRedis(url: string, report?: RedisProblemReporter): Redis;
export function createWorkerRedis(target: RedisTarget, report?: RedisProblemReporter): RedisClient;
export function createWorkerRedis(target: RedisTarget, report: RedisProblemReporter = () => undefined): RedisClient {
  return createRedisClient(redisSettingsOf(target), {
    connectTimeoutMs: 2000,
    reconnectDelayMs: (attempt) => Math.min(attempt * 200, 2000),
    failFast: true,
    onError: (detail) => report('error', detail),
    onReady: (detail) => report('ready', detail),
  });
}
