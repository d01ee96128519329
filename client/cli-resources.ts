// Opens the CLI's connections (Temporal, Redis) on first use, closes whatever was opened, and names them when they fail.
import { Client, Connection, ServiceError } from '@temporalio/client';
import { ConfigError, type AppConfig } from '../config/load-config';
import { diagnoseTemporalConnection } from '../config/diagnose-temporal-connection';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import type { FlagStore } from '../flags/flag-store';
import { cannotReachRedis } from '../redis/describe-redis-address';
import type { RedisClient } from '../redis/redis-client';
import { CliError, EXIT_CODES } from './cli-errors';
import { RolloutClient } from './rollout-client';

const GRPC_UNAVAILABLE = 14;

export class CliResources {
  private connection: Connection | null = null;
  private redis: RedisClient | null = null;

  constructor(readonly config: AppConfig) {}

  async rollouts(): Promise<RolloutClient> {
    if (this.connection === null) {
      const options = temporalConnectionOptions(this.config);
      try {
        this.connection = await Connection.connect({ ...options, connectTimeout: '5s' });
      } catch (err) {
        // The gRPC client only says "Failed to connect before the deadline"; a TCP/TLS probe says why (refused, TLS, certificates).
        throw this.temporalUnreachable(err, await diagnoseTemporalConnection(options));
      }
    }
    const client = new Client({ connection: this.connection, namespace: this.config.temporal.namespace });
    return new RolloutClient(client, this.config.temporal.taskQueue);
  }

  /** The configured flag store (FLAG_BACKEND): the same one the worker writes, so `feature` commands see what rollouts do. */
  async flagStore(): Promise<FlagStore> {
    const [redis, { createFlagStore }] = await Promise.all([this.redisClient(), import('../flags/create-flag-store')]);
    return createFlagStore({ redis, prefix: this.config.flagKeyPrefix, flags: this.config.flags });
  }

  /** The one Redis connection of this invocation (the flag store's, the audit log's), opened on first use. */
  async redisClient(): Promise<RedisClient> {
    // Loaded on first use: only the commands that read or change flags need Redis.
    const { createRedisClient, redisSettingsOf } = await import('../redis/create-redis-client');
    if (this.config.redis.cluster) {
      // A setting to fix (exit 2) before anything connects, not a Redis that cannot be reached.
      const { validateKeyPrefixForCluster } = await import('../flags/flipper-redis-keys');
      try {
        validateKeyPrefixForCluster(this.config.flagKeyPrefix, 'The flag store');
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
    }
    // One connection attempt, no reconnects: a command waits for it, then fails; unreachable() names Redis and where.
    this.redis ??= createRedisClient(redisSettingsOf(this.config), { connectTimeoutMs: 5000, reconnectDelayMs: null, failFast: true });
    return this.redis;
  }

  /** The error as "cannot reach <component> at <address>" when it is a connection failure of Temporal or Redis. */
  unreachable(err: unknown): CliError | null {
    if (err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === GRPC_UNAVAILABLE) return this.temporalUnreachable(err);
    if (this.redis !== null && this.redis.status !== 'ready') {
      return new CliError(cannotReachRedis({ url: this.config.redisUrl, cluster: this.config.redis.cluster }, err), EXIT_CODES.unreachable);
    }
    return null;
  }

  private temporalUnreachable(err: unknown, why: string | null = null): CliError {
    const { address, namespace } = this.config.temporal;
    const detail = err instanceof Error ? err.message : String(err);
    return new CliError(`cannot reach Temporal at ${address} (namespace ${namespace}): ${detail}${why ? `: ${why}` : ''}`, EXIT_CODES.unreachable);
  }

  async close(): Promise<void> {
    await this.connection?.close();
    if (this.redis) await this.redis.quit().catch(() => undefined);
  }
}
