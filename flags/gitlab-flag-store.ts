// FlagStore through GitLab's Features API: one GitLab instance per environment, change records in Redis.
import type { RedisClient } from '../redis/redis-client';
import { actorPath, parseGitLabActorId } from '../gitlab/gitlab-actors-api';
import type { GitLabClient } from '../gitlab/gitlab-client';
import { deleteFeature, getFeature, listFeatures, setFeature, type GitLabFeature } from '../gitlab/gitlab-features-api';
import { formatActorId, type ActorType } from './actor-id';
import type { Environment } from './environments';
import type { FlagChange, FlagGates } from './flag-gates';
import type { AppliedChange, FlagStore } from './flag-store';
import { GitLabChangeRecords } from './gitlab-change-records';
import { gatesFromGitLabFeature, gitLabActorIds, writesForChange, writesForRestore, type GitLabFeatureWrite } from './gitlab-feature-writes';
import { InvalidFlagInput } from './invalid-flag-input';
import { flagChangeMessage, flagChangesChannel } from './redis-flag-store';
import { validateChangeId, validateEnvironment, validateFlagInput, validateFlagName } from './validate-flag-input';

export interface GitLabFlagStoreOptions {
  /** The GitLab instance of each environment this store writes (GitLab has one Features API per instance). */
  instances: Partial<Record<Environment, GitLabClient>>;
  /** Where change records are kept and changes announced (the worker's Redis). */
  redis: RedisClient;
  /** FLAG_KEY_PREFIX: names the records' keys and the changes channel; defaults to `flipper`. */
  prefix?: string;
  /** How long change records are kept; defaults to 90 days, like the Redis store's. */
  changeRecordTtlSeconds?: number;
  /** How long an actor id's path is remembered; defaults to 10 minutes. */
  actorCacheMs?: number;
}

const RESOLVED_TYPE: Record<'Project' | 'Group' | 'User' | 'Namespace', ActorType> = { Project: 'project', Group: 'group', User: 'user', Namespace: 'namespace' };

/**
 * The flags of each configured environment live on its GitLab instance and are read and written only through the
 * Features API; what the API reports is the truth (GitLab's rules: `true`/`false` clear every other gate, a
 * percentage of 0 or 100 is `false`/`true`). Actor ids GitLab reports (`Project:278964`) read as paths
 * (`project:gitlab-org/gitlab`, looked up once per id), so gates compare with the plan's actors; an id whose record
 * is gone (404) or a repository's stays in GitLab's form.
 *
 * Not atomic: a change reads the flag, then makes one POST (a change) or several (a restore), with no compare-and-set
 * on GitLab's side, so a person changing the same flag in between can be overwritten (the rollback reports what it
 * found). Idempotent by change id: a record `pending` with the gates read before the first call is written to Redis
 * before GitLab is touched, and completed after the last call. A retry finds it, keeps its `previous`, and calls
 * again: a change's POST sets the same gates twice, and a restore plans its calls from the gates it reads now to the
 * same target, so any number of interrupted attempts converge to one application. A completed record answers a
 * retry without calling GitLab.
 */
export class GitLabFlagStore implements FlagStore {
  private readonly instances: Partial<Record<Environment, GitLabClient>>;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly records: GitLabChangeRecords;
  private readonly actorCacheMs: number;
  private readonly actorCache = new Map<string, { actor: string; until: number }>();

  constructor(options: GitLabFlagStoreOptions) {
    this.instances = options.instances;
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'flipper';
    this.actorCacheMs = options.actorCacheMs ?? 10 * 60_000;
    const ttl = options.changeRecordTtlSeconds ?? 90 * 24 * 60 * 60;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new Error(`GitLabFlagStore changeRecordTtlSeconds must be a positive integer, got ${ttl}`);
    this.records = new GitLabChangeRecords(this.redis, this.prefix, ttl);
  }

  /** The environments this store writes. */
  get environments(): Environment[] {
    return (Object.keys(this.instances) as Environment[]).filter((env) => this.instances[env] !== undefined);
  }

  async get(flag: string, env: Environment): Promise<FlagGates | null> {
    validateFlagName(flag);
    validateEnvironment(env);
    const client = this.client(env);
    return this.gatesOf(client, await getFeature(client, flag));
  }

  async apply(flag: string, env: Environment, change: FlagChange, changeId?: string): Promise<AppliedChange> {
    validateFlagInput(flag, env, change, changeId);
    const client = this.client(env);
    // Checked before anything is recorded or sent: an actor in GitLab's id form cannot be sent as a path.
    const forward = change.kind === 'restore' ? null : writesForChange(change);
    if (changeId !== undefined) {
      const done = await this.records.read(changeId);
      if (done !== null && done.state === 'applied') return this.records.replay(done, changeId, flag, env, change);
    }
    const before = await this.gatesOf(client, await getFeature(client, flag));
    const record = changeId === undefined ? null : await this.records.begin(changeId, flag, env, change, before);
    if (record !== null && record.state === 'applied') return { previous: record.previous, current: record.current };
    // A retry of a begun change reads the flag again (above) but keeps the gates from before its first attempt.
    const previous = record === null ? before : record.previous;
    let current = before;
    const writes = forward ?? writesForRestore(before, change.kind === 'restore' ? change.gates : null).writes;
    if (writes.length > 0) {
      current = await this.write(client, flag, writes);
      await this.announce(env, flag);
    }
    if (record === null || changeId === undefined) return { previous, current };
    return this.records.complete(changeId, record, current);
  }

  async changeRecord(changeId: string): Promise<AppliedChange | null> {
    validateChangeId(changeId);
    const record = await this.records.read(changeId);
    return record === null ? null : { previous: record.previous, current: record.current };
  }

  async list(env: Environment): Promise<string[]> {
    return (await listFeatures(this.client(env))).map((feature) => feature.name);
  }

  async delete(flag: string, env: Environment): Promise<void> {
    validateFlagName(flag);
    validateEnvironment(env);
    await deleteFeature(this.client(env), flag);
    await this.announce(env, flag);
  }

  /** Makes the calls in order; returns the gates GitLab answered after the last one. */
  private async write(client: GitLabClient, flag: string, writes: GitLabFeatureWrite[]): Promise<FlagGates | null> {
    let feature: GitLabFeature | null = null;
    for (const write of writes) {
      if (write.kind === 'delete') {
        await deleteFeature(client, flag);
        feature = null;
      } else {
        feature = await setFeature(client, flag, write.params);
      }
    }
    return this.gatesOf(client, feature);
  }

  private async gatesOf(client: GitLabClient, feature: GitLabFeature | null): Promise<FlagGates | null> {
    if (feature === null) return null;
    const actors = await Promise.all(gitLabActorIds(feature).map((id) => this.actorFromGitLab(client, id)));
    return gatesFromGitLabFeature(feature, actors);
  }

  /** `Project:278964` → `project:gitlab-org/gitlab`; kept as is when the record is gone or the class has no lookup. */
  private async actorFromGitLab(client: GitLabClient, flipperId: string): Promise<string> {
    const parsed = parseGitLabActorId(flipperId);
    if (parsed === null) return flipperId;
    const key = `${client.baseUrl} ${flipperId}`;
    const cached = this.actorCache.get(key);
    if (cached !== undefined && cached.until > Date.now()) return cached.actor;
    const found = await actorPath(client, parsed.actorClass, parsed.id);
    let actor = flipperId;
    if (found !== null) {
      try {
        actor = formatActorId(RESOLVED_TYPE[found.actorClass], found.path);
      } catch {
        actor = flipperId; // a path our actor ids cannot spell stays in GitLab's form
      }
    }
    this.actorCache.set(key, { actor, until: Date.now() + this.actorCacheMs });
    return actor;
  }

  /** Tells in-process caches (FlagCache) on the changes channel, as the Redis store does. */
  private async announce(env: Environment, flag: string): Promise<void> {
    await this.redis.publish(flagChangesChannel(this.prefix), flagChangeMessage(env, flag));
  }

  private client(env: Environment): GitLabClient {
    const client = this.instances[env];
    if (client === undefined) {
      throw new InvalidFlagInput(`No GitLab instance is configured for ${env}: this store writes ${this.environments.join(', ') || 'no environment'}`);
    }
    return client;
  }
}
