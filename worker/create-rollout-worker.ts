// Builds a worker for the rollout task queue with activities wired to a flag store and volume reader.
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { RedisClient } from '../redis/redis-client';
import { createActivities } from '../activities/create-activities';
import { createFlagStore } from '../flags/create-flag-store';
import type { FlagBackendSettings } from '../gitlab/gitlab-settings';
import type { NotifySettings } from '../notify/notify-settings';
import type { FreezeSource } from '../change-control/freeze-source';
import type { GitLabClient } from '../gitlab/gitlab-client';
import { RedisVolumeReader } from '../volume/redis-volume-reader';

export interface RolloutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  redis: RedisClient;
  flagKeyPrefix?: string;
  /** FLAG_BACKEND: Redis (default), or GitLab's Features API for the environments given an instance. */
  flags?: FlagBackendSettings;
  /** The webhooks the `notify` activity posts to (none when absent). */
  notify?: NotifySettings;
  /** Where freezes and incidents are read before production changes (none: never frozen). */
  freeze?: FreezeSource;
  /** The GitLab API for deployment checks. */
  gitlab?: GitLabClient;
  /** The sticky workflow cache size (WORKER_MAX_CACHED_WORKFLOWS); the SDK's default when absent. */
  maxCachedWorkflows?: number;
  /** A pre-built bundle (tests reuse one per suite, see bundleRolloutWorkflows); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Worker plugins, e.g. OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (see worker/main.ts). */
  plugins?: WorkerOptions['plugins'];
}

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** The payload converter that turns undecodable message payloads into refusals instead of failed workflow tasks. */
export const PAYLOAD_CONVERTER_PATH = require.resolve('../workflows/payload-converter');

/** Worker, replayer and bundle options that every rollout worker shares. */
export const ROLLOUT_WORKFLOW_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH },
} as const;

/** The rollout workflows bundled once (with their payload converter), e.g. for several workers of a test suite. */
export async function bundleRolloutWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, payloadConverterPath: PAYLOAD_CONVERTER_PATH, logger: new DefaultLogger('WARN') });
}

export async function createRolloutWorker(options: RolloutWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    flagStore: createFlagStore({ redis: options.redis, prefix: options.flagKeyPrefix, flags: options.flags }),
    volumeReader: new RedisVolumeReader(options.redis),
    notify: options.notify,
    freeze: options.freeze,
    gitlab: options.gitlab,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    dataConverter: ROLLOUT_WORKFLOW_OPTIONS.dataConverter,
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  });
}
