// An in-memory FlagStore with the same semantics as RedisFlagStore, for fast tests.
import { changeFingerprint, replayChangeRecord, type ChangeRecord } from './change-record';
import type { Environment } from './environments';
import { applyChangeToGates, type FlagChange, type FlagGates } from './flag-gates';
import type { AppliedChange, FlagStore } from './flag-store';
import { validateChangeId, validateEnvironment, validateFlagInput, validateFlagName } from './validate-flag-input';

/** Change records never expire here: a test process does not live for 90 days. */
export class MemoryFlagStore implements FlagStore {
  private readonly flags = new Map<Environment, Map<string, FlagGates>>();
  private readonly records = new Map<string, ChangeRecord>();

  get(flag: string, env: Environment): Promise<FlagGates | null> {
    return settle(() => {
      validateFlagName(flag);
      validateEnvironment(env);
      return clone(this.flagsIn(env).get(flag) ?? null);
    });
  }

  // Runs synchronously inside settle(), so no other call can interleave: that is the atomicity.
  apply(flag: string, env: Environment, change: FlagChange, changeId?: string): Promise<AppliedChange> {
    return settle(() => {
      validateFlagInput(flag, env, change, changeId);
      const recorded = changeId === undefined ? undefined : this.records.get(changeId);
      if (recorded !== undefined && changeId !== undefined) {
        return clone(replayChangeRecord(recorded, changeId, flag, env, change));
      }
      const flags = this.flagsIn(env);
      const previous = flags.get(flag) ?? null;
      const current = applyChangeToGates(previous, change);
      if (current === null) flags.delete(flag);
      else flags.set(flag, clone(current));
      if (changeId !== undefined) {
        this.records.set(changeId, clone({ flag, env, change: changeFingerprint(change), previous, current }));
      }
      return clone({ previous, current });
    });
  }

  changeRecord(changeId: string): Promise<AppliedChange | null> {
    return settle(() => {
      validateChangeId(changeId);
      const record = this.records.get(changeId);
      return record === undefined ? null : clone({ previous: record.previous, current: record.current });
    });
  }

  list(env: Environment): Promise<string[]> {
    return settle(() => [...this.flagsIn(env).keys()]);
  }

  delete(flag: string, env: Environment): Promise<void> {
    return settle(() => {
      validateFlagName(flag);
      validateEnvironment(env);
      this.flagsIn(env).delete(flag);
    });
  }

  private flagsIn(env: Environment): Map<string, FlagGates> {
    let flags = this.flags.get(env);
    if (flags === undefined) {
      flags = new Map();
      this.flags.set(env, flags);
    }
    return flags;
  }
}

/** Runs `fn` now and turns a throw into a rejection, as an async store would report it. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

/** Callers get copies, so mutating a returned value cannot change the store (Redis cannot share either). */
function clone<T>(value: T): T {
  return structuredClone(value);
}
