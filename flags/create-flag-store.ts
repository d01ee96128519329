// Builds the configured flag store: Flipper's layout in Redis, or GitLab's Features API for the environments given one.
import type { RedisClient } from '../redis/redis-client';
import { GitLabClient, type GitLabAttempt } from '../gitlab/gitlab-client';
import type { FlagBackendSettings } from '../gitlab/gitlab-settings';
import { ENVIRONMENTS, type Environment } from './environments';
import { EnvironmentRoutedFlagStore } from './environment-routed-flag-store';
import type { FlagStore } from './flag-store';
import { GitLabFlagStore } from './gitlab-flag-store';
import { RedisFlagStore } from './redis-flag-store';

export interface CreateFlagStoreOptions {
  redis: RedisClient;
  /** FLAG_KEY_PREFIX. */
  prefix?: string;
  /** FLAG_BACKEND and its instances; `redis` when absent. */
  flags?: FlagBackendSettings;
  /** Told about every GitLab API attempt (method, path, status; never the token), e.g. for logs. */
  onGitLabAttempt?: (attempt: GitLabAttempt) => void;
}

/**
 * `redis`: a RedisFlagStore. `gitlab`: each environment with an instance goes to a GitLabFlagStore (change records and
 * change notifications in the same Redis), the others to the RedisFlagStore, so the workflow never knows which.
 */
export function createFlagStore({ redis, prefix, flags, onGitLabAttempt }: CreateFlagStoreOptions): FlagStore {
  const redisStore = new RedisFlagStore(redis, { prefix });
  if (flags === undefined || flags.backend === 'redis') return redisStore;
  const instances: Partial<Record<Environment, GitLabClient>> = {};
  for (const env of ENVIRONMENTS) {
    const instance = flags.instances[env];
    if (instance) instances[env] = new GitLabClient({ baseUrl: instance.url, token: instance.token, onAttempt: onGitLabAttempt });
  }
  const gitlabStore = new GitLabFlagStore({ instances, redis, prefix });
  const route = (env: Environment): FlagStore => (instances[env] ? gitlabStore : redisStore);
  return new EnvironmentRoutedFlagStore({ dev: route('dev'), staging: route('staging'), 'staging-ref': route('staging-ref'), production: route('production') });
}
