// The one type for a Redis connection: a single server or a Redis Cluster, both from ioredis.
import type { Cluster, Redis } from 'ioredis';

/** What every Redis-backed part (flag store, counters, outbox, audit log) accepts, so each runs on Redis Cluster too. */
export type RedisClient = Redis | Cluster;
