// Opens the CLI's connections (Temporal, Redis) on first use and closes whatever was opened.
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import type { AppConfig } from '../config/load-config';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { RolloutClient } from './rollout-client';

export class CliResources {
  private connection: Connection | null = null;
  private redis: Redis | null = null;

  constructor(readonly config: AppConfig) {}

  async rollouts(): Promise<RolloutClient> {
    this.connection ??= await Connection.connect({ ...temporalConnectionOptions(this.config), connectTimeout: '5s' });
    const client = new Client({ connection: this.connection, namespace: this.config.temporal.namespace });
    return new RolloutClient(client, this.config.temporal.taskQueue);
  }

  flagStore(): RedisFlagStore {
    // Fail fast instead of queueing commands while Redis is unreachable.
    this.redis ??= new Redis(this.config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 5000, retryStrategy: () => null });
    return new RedisFlagStore(this.redis, { prefix: this.config.flagKeyPrefix });
  }

  async close(): Promise<void> {
    await this.connection?.close();
    if (this.redis) await this.redis.quit().catch(() => undefined);
  }
}
