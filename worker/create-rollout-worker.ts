// Builds a worker for the rollout task queue with activities wired to a flag store and volume reader.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createActivities } from '../activities/create-activities';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { RedisVolumeReader } from '../volume/redis-volume-reader';

export interface RolloutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  redis: Redis;
  flagKeyPrefix?: string;
  /** A pre-built bundle (tests reuse one per suite); otherwise the workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function createRolloutWorker(options: RolloutWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    flagStore: new RedisFlagStore(options.redis, { prefix: options.flagKeyPrefix }),
    volumeReader: new RedisVolumeReader(options.redis),
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
