// The rollout worker's options from the configuration: what the standalone worker and the embedded stack share.
import type { NativeConnection } from '@temporalio/worker';
import type { RedisClient } from '../redis/redis-client';
import { freezeSourceOf } from '../change-control/freeze-source-of-config';
import type { AppConfig } from '../config/load-config';
import { GitLabClient } from '../gitlab/gitlab-client';
import type { RolloutWorkerOptions } from './create-rollout-worker';

export function rolloutWorkerOptionsOf(config: AppConfig, connection: NativeConnection, redis: RedisClient): RolloutWorkerOptions {
  return {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    redis,
    flagKeyPrefix: config.flagKeyPrefix,
    flags: config.flags,
    notify: config.notify,
    freeze: freezeSourceOf(config),
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    gitlab: config.gitlab ? new GitLabClient({ baseUrl: config.gitlab.url, token: config.gitlab.token }) : undefined,
  };
}
