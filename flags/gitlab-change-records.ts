// The GitLab flag store's change records in Redis: written before the first API call, completed after the last.
import type { RedisClient } from '../redis/redis-client';
import { changeFingerprint, parseChangeRecord, replayChangeRecord, type ChangeRecord } from './change-record';
import type { Environment } from './environments';
import type { FlagChange, FlagGates } from './flag-gates';
import type { AppliedChange } from './flag-store';

/**
 * `pending`: the change was begun (its API calls may or may not have reached GitLab) and `previous` holds the gates
 * read before the first attempt; `applied`: every call succeeded and `current` is what GitLab answered after them.
 */
export interface GitLabChangeRecord {
  flag: string;
  env: Environment;
  change: string;
  state: 'pending' | 'applied';
  previous: FlagGates | null;
  /** `null` while pending: what GitLab holds then is not known. */
  current: FlagGates | null;
}

export class GitLabChangeRecords {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  /** `<prefix>:gitlab-change:<changeId>` (no environment is called `gitlab-change`, so no Flipper key looks like it). */
  key(changeId: string): string {
    return `${this.prefix}:gitlab-change:${changeId}`;
  }

  /**
   * Records the change as begun with `previous`, unless a record exists: then that record is returned (a retry), after
   * checking it is the same change (InvalidFlagInput otherwise).
   */
  async begin(changeId: string, flag: string, env: Environment, change: FlagChange, previous: FlagGates | null): Promise<GitLabChangeRecord> {
    const record: GitLabChangeRecord = { flag, env, change: changeFingerprint(change), state: 'pending', previous, current: null };
    const created = await this.redis.set(this.key(changeId), JSON.stringify(record), 'EX', this.ttlSeconds, 'NX');
    if (created === 'OK') return record;
    const existing = await this.read(changeId);
    if (existing === null) return this.begin(changeId, flag, env, change, previous); // expired in between: begin afresh
    replayChangeRecord(existing, changeId, flag, env, change);
    return existing;
  }

  /** Marks the change applied with the gates GitLab holds after it. */
  async complete(changeId: string, record: GitLabChangeRecord, current: FlagGates | null): Promise<AppliedChange> {
    const applied: GitLabChangeRecord = { ...record, state: 'applied', current };
    await this.redis.set(this.key(changeId), JSON.stringify(applied), 'EX', this.ttlSeconds);
    return { previous: applied.previous, current };
  }

  /** The recorded result of a completed change, after checking the retry is the same change (InvalidFlagInput otherwise). */
  replay(record: GitLabChangeRecord, changeId: string, flag: string, env: Environment, change: FlagChange): AppliedChange {
    return replayChangeRecord(record, changeId, flag, env, change);
  }

  async read(changeId: string): Promise<GitLabChangeRecord | null> {
    const text = await this.redis.get(this.key(changeId));
    return text === null ? null : parseGitLabChangeRecord(text, `Redis key ${this.key(changeId)}`);
  }
}

/** A change record (parseChangeRecord's checks and shape) that also says whether GitLab has been written yet. */
function parseGitLabChangeRecord(text: string, where: string): GitLabChangeRecord {
  const record = parseChangeRecord(text, where) as ChangeRecord & { state?: unknown };
  if (record.state !== 'pending' && record.state !== 'applied') throw new Error(`${where} does not hold a GitLab change record: ${text.slice(0, 200)}`);
  return record as GitLabChangeRecord;
}
