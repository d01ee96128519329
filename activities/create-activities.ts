// Builds the rollout's activities (the only code with I/O) around a flag store and a volume reader.
import { ApplicationFailure } from '@temporalio/common';
import type { Environment } from '../flags/environments';
import type { FlagChange, FlagGates } from '../flags/flag-gates';
import type { AppliedChange, FlagStore } from '../flags/flag-store';
import { INVALID_FLAG_INPUT, InvalidFlagInput } from '../flags/invalid-flag-input';
import type { VolumeReader, VolumeReading } from '../volume/volume-reader';

export interface ActivityDependencies {
  flagStore: FlagStore;
  volumeReader: VolumeReader;
}

export interface FlagChangeRequest {
  flag: string;
  environment: Environment;
  change: FlagChange;
  /** Unique per change in a rollout run: a retry with the same id never applies twice. */
  changeId: string;
}

export interface RevertRequest {
  flag: string;
  environment: Environment;
  /** The id of the change whose `previous` gates are to be put back. */
  changeId: string;
}

export interface RevertResult {
  /** False when the change was never applied, so there was nothing to undo. */
  reverted: boolean;
  gates: FlagGates | null;
}

export function createActivities({ flagStore, volumeReader }: ActivityDependencies) {
  return {
    async applyFlagChange(request: FlagChangeRequest): Promise<AppliedChange> {
      return asNonRetryableWhenInvalid(() =>
        flagStore.apply(request.flag, request.environment, request.change, request.changeId),
      );
    },

    async revertFlagChange(request: RevertRequest): Promise<RevertResult> {
      const record = await flagStore.changeRecord(request.changeId);
      if (record === null) return { reverted: false, gates: await flagStore.get(request.flag, request.environment) };
      const restored = await flagStore.apply(
        request.flag,
        request.environment,
        { kind: 'restore', gates: record.previous },
        `${request.changeId}/revert`,
      );
      return { reverted: true, gates: restored.current };
    },

    async readEventVolume(request: { flag: string; windowSeconds: number }): Promise<VolumeReading> {
      return volumeReader.read(request.flag, new Date(), request.windowSeconds);
    },
  };
}

export type RolloutActivities = ReturnType<typeof createActivities>;

/** Bad input (a validation error from the store) fails the activity at once instead of retrying. */
async function asNonRetryableWhenInvalid<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidFlagInput) {
      throw ApplicationFailure.nonRetryable(err.message, INVALID_FLAG_INPUT);
    }
    throw err;
  }
}
