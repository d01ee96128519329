// A FlagStore that sends each environment to its own store, e.g. production to GitLab and the rest to Redis.
import { ENVIRONMENTS, type Environment } from './environments';
import type { FlagChange, FlagGates } from './flag-gates';
import type { AppliedChange, FlagStore } from './flag-store';
import { validateChangeId, validateEnvironment } from './validate-flag-input';

export class EnvironmentRoutedFlagStore implements FlagStore {
  private readonly stores: FlagStore[];

  constructor(private readonly routes: Record<Environment, FlagStore>) {
    for (const env of ENVIRONMENTS) if (!routes[env]) throw new Error(`EnvironmentRoutedFlagStore needs a store for ${env}`);
    this.stores = [...new Set(ENVIRONMENTS.map((env) => routes[env]))];
  }

  /** The store that holds `env`'s flags. */
  storeFor(env: Environment): FlagStore {
    validateEnvironment(env);
    return this.routes[env];
  }

  get(flag: string, env: Environment): Promise<FlagGates | null> {
    return this.storeFor(env).get(flag, env);
  }

  apply(flag: string, env: Environment, change: FlagChange, changeId?: string): Promise<AppliedChange> {
    return this.storeFor(env).apply(flag, env, change, changeId);
  }

  /** Change ids carry no environment: every store is asked, and a change id is only ever used in one of them. */
  async changeRecord(changeId: string): Promise<AppliedChange | null> {
    validateChangeId(changeId);
    const records = await Promise.all(this.stores.map((store) => store.changeRecord(changeId)));
    return records.find((record) => record !== null) ?? null;
  }

  list(env: Environment): Promise<string[]> {
    return this.storeFor(env).list(env);
  }

  delete(flag: string, env: Environment): Promise<void> {
    return this.storeFor(env).delete(flag, env);
  }
}
