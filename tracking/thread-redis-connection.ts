// Lets a worker thread open its own connection to the Redis a client of the calling thread is connected to.
//
// A client cannot cross threads; its options can, minus functions (retry strategies, custom lookups): the thread's
// client gets ioredis's defaults for those. A single server and a Redis Cluster (its seed nodes) are both covered.
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisClient } from '../redis/redis-client';

/** How to reach Redis as plain data (structured-clone safe). */
export type RedisConnectionData =
  | { kind: 'server'; options: RedisOptions }
  | { kind: 'cluster'; nodes: ClusterNode[]; options: ClusterOptions };

/** The connection data of `client`: its options (and a cluster's seed nodes) without functions. */
export function redisConnectionOf(client: RedisClient): RedisConnectionData {
  if (client.isCluster) {
    const cluster = client as Cluster;
    const nodes = (cluster as unknown as { startupNodes?: ClusterNode[] }).startupNodes ?? [];
    return { kind: 'cluster', nodes: plainData(nodes) as ClusterNode[], options: plainData(cluster.options) as ClusterOptions };
  }
  return { kind: 'server', options: plainData((client as Redis).options) as RedisOptions };
}

/** A new client for the connection data (connecting at once). */
export function connectRedis(data: RedisConnectionData): RedisClient {
  if (data.kind === 'server') return new Redis({ ...data.options, lazyConnect: false });
  const secure = data.options.redisOptions?.tls !== undefined;
  return new Cluster(data.nodes, {
    ...data.options,
    lazyConnect: false,
    // Over TLS a node's certificate is checked against the name it was reached by, so names are not resolved first.
    ...(secure ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  });
}

/** A deep copy of plain objects, arrays, primitives and byte arrays; functions and other class instances are left out. */
function plainData(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(plainData);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const data = plainData(field);
    if (data !== undefined) copy[key] = data;
  }
  return copy;
}
