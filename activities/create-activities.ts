// Builds the rollout's activities (the only code with I/O) around a flag store and a volume reader.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Environment } from '../flags/environments';
import { sameGates, type FlagChange, type FlagGates } from '../flags/flag-gates';
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
  /** The id of the rollout's first change here: its store record is the idempotency key and a cross-check. */
  changeId: string;
  /**
   * The gates to restore: the workflow's own copy of what was there before its first change. Absent when the
   * workflow never learnt them (the change's result was lost); the store's record of the change then says.
   */
  before?: FlagGates | null;
}

export interface RevertResult {
  /** False when the change was never applied, so there was nothing to undo. */
  reverted: boolean;
  /** The gates now in place. */
  gates: FlagGates | null;
  /** Why `gates` could not be read (nothing was restored, so the rollback goes on). */
  unreadable?: string;
  /** The gates the restore found and replaced (absent when nothing was restored). */
  found?: FlagGates | null;
  /** Where the restored gates came from, and whether the store's change record agreed with the workflow's copy. */
  source?: 'workflow' | 'change-record';
  changeRecord?: 'matches' | 'missing' | 'differs';
}

export function createActivities({ flagStore, volumeReader }: ActivityDependencies) {
  return {
    async applyFlagChange(request: FlagChangeRequest): Promise<AppliedChange> {
      const { flag, environment, change, changeId } = request;
      const applied = await asNonRetryableWhenInvalid(() => flagStore.apply(flag, environment, change, changeId));
      log.info('applied flag change', { flag, environment, changeId, before: applied.previous, after: applied.current });
      return applied;
    },

    async revertFlagChange(request: RevertRequest): Promise<RevertResult> {
      const { flag, environment, changeId, before } = request;
      const record = await flagStore.changeRecord(changeId);
      const hasCopy = before !== undefined;
      if (!hasCopy && record === null) {
        // Nothing to undo; the current gates are only reported, and a flag the store cannot read must not block the rollback.
        const current = await flagStore.get(flag, environment).then((gates) => ({ gates }), (error: unknown) => ({ gates: null, unreadable: String(error) }));
        return { reverted: false, ...current };
      }
      const gates = hasCopy ? before : record!.previous;
      const changeRecord = record === null ? 'missing' : sameGates(record.previous, gates) ? 'matches' : 'differs';
      if (changeRecord !== 'matches') {
        log.warn('restoring from the workflow state; the change record does not agree', { flag, environment, changeId, changeRecord });
      }
      const restored = await asNonRetryableWhenInvalid(() => flagStore.apply(flag, environment, { kind: 'restore', gates }, `${changeId}/revert`));
      if (!sameGates(restored.previous, restored.current)) {
        log.info('restored flag gates', { flag, environment, before: restored.previous, after: restored.current });
      }
      return { reverted: true, gates: restored.current, found: restored.previous, source: hasCopy ? 'workflow' : 'change-record', changeRecord };
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
