// Names a Redis for messages: its URL, or a cluster's list of seed nodes, with every password masked.
import { maskUrlPassword } from '../config/load-config';

/** `Redis at redis://:***@host:6379`, or `Redis Cluster redis://a:6379,redis://b:6379` with REDIS_CLUSTER=true. */
export function describeRedisAddress(settings: { url: string; cluster?: boolean }): string {
  const masked = settings.url
    .split(',')
    .map((url) => maskUrlPassword(url.trim()))
    .join(',');
  return settings.cluster ? `Redis Cluster ${masked}` : `Redis at ${masked}`;
}

/** `cannot reach Redis at <masked url>: <why>`, once even when the error names Redis already (as failed commands do). */
export function cannotReachRedis(settings: { url: string; cluster?: boolean }, err: unknown): string {
  const address = describeRedisAddress(settings);
  const detail = err instanceof Error ? err.message : String(err);
  return `cannot reach ${address}: ${detail.startsWith(`${address}: `) ? detail.slice(address.length + 2) : detail}`;
}
