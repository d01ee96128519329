// Keeps the gates of watched flags in process memory, kept fresh by the store's change notifications.
import type { RedisClient } from '../redis/redis-client';
import type { Environment } from '../flags/environments';
import { sameGates, type FlagGates } from '../flags/flag-gates';
import type { FlagStore } from '../flags/flag-store';
import { isEnabled } from '../flags/is-enabled';
import { flagChangesChannel, parseFlagChangeMessage } from '../flags/redis-flag-store';
import { validateEnvironment, validateFlagName } from '../flags/validate-flag-input';
import type { FlagChecker } from './flag-checker';

const DEFAULT_REFRESH_INTERVAL_MS = 30_000;

export interface FlagCacheOptions {
  /** Where the gates are read from (e.g. a RedisFlagStore on its own, ordinary connection). */
  store: FlagStore;
  /** A dedicated connection for Pub/Sub: once subscribed it can run no other command. The caller owns it. */
  subscriber: RedisClient;
  /** The store's key prefix, which names the changes channel; defaults to `flipper`. */
  prefix?: string;
  /** Full reload of every watched pair, the safety net for lost notifications; defaults to 30 s. */
  refreshIntervalMs?: number;
  /** Called after a reload changed the cached gates of a pair (tests and benchmarks measure propagation). */
  onUpdate?: (flag: string, env: Environment, gates: FlagGates | null) => void;
  /** Called when a reload fails; the pair keeps its previous gates until a later reload succeeds. */
  onError?: (error: unknown, flag: string, env: Environment) => void;
}

export interface WatchedFlag {
  flag: string;
  environments: Environment[];
}

/** One watched (flag, env) pair. At most one read is in flight per pair, so reads land in the order they were made. */
interface Entry {
  readonly flag: string;
  readonly env: Environment;
  /** `undefined` until the first successful load; answers false meanwhile, like an absent flag. */
  gates: FlagGates | null | undefined;
  loading: Promise<void> | null;
  /** A notification arrived while a read was in flight, which may have read the state before that change. */
  stale: boolean;
  /**
   * Answers already given for these gates, per actor id (a percentage-of-actors check hashes flag + actor each time);
   * only while the gates have no percentage-of-time gate, whose answer is random. Emptied when the gates change.
   */
  decisions: Map<string, boolean>;
}

/** Actors whose answer is remembered per watched pair; past it the memo starts over. */
const MAX_REMEMBERED_ACTORS = 100_000;

/**
 * FlagChecker answered from memory: `isEnabled` is synchronous and costs no round trip. A notification on the
 * store's changes channel reloads that pair at once (bursts coalesce into at most one extra read); a reconnect of
 * the subscriber reloads everything (messages sent while it was down are lost); a periodic full reload catches
 * writes made without a notification. Until a reload lands the previous gates keep answering.
 */
export class FlagCache implements FlagChecker {
  private readonly store: FlagStore;
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  private readonly refreshIntervalMs: number;
  private readonly onUpdate: FlagCacheOptions['onUpdate'];
  private readonly onError: FlagCacheOptions['onError'];
  /** env → flag → entry: two Map lookups and no string building on the hot path. */
  private readonly entries = new Map<Environment, Map<string, Entry>>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private versionCounter = 0;
  private reloadCount = 0;
  private reloadErrorCount = 0;

  constructor(options: FlagCacheOptions) {
    this.store = options.store;
    this.subscriber = options.subscriber;
    this.channel = flagChangesChannel(options.prefix ?? 'flipper');
    this.refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.onUpdate = options.onUpdate;
    this.onError = options.onError;
    if (!Number.isFinite(this.refreshIntervalMs) || this.refreshIntervalMs <= 0) {
      throw new Error(`FlagCache refreshIntervalMs must be a positive number, got ${this.refreshIntervalMs}`);
    }
  }

  /** Bumped every time a reload changes the cached gates of a pair. */
  get version(): number {
    return this.versionCounter;
  }

  /** Reads of the store that completed (successful or not). */
  get reloads(): number {
    return this.reloadCount;
  }

  /** Reads of the store that failed; each failed pair is read again on the next notification or refresh. */
  get reloadErrors(): number {
    return this.reloadErrorCount;
  }

  isEnabled(flag: string, env: Environment, actorId?: string): boolean {
    const entry = this.entries.get(env)?.get(flag);
    const gates = entry?.gates;
    if (!entry || gates === undefined) return false;
    try {
      if (actorId === undefined || gates === null || gates.percentageOfTime !== null) return isEnabled(flag, gates, actorId);
      let enabled = entry.decisions.get(actorId);
      if (enabled === undefined) {
        enabled = isEnabled(flag, gates, actorId);
        if (entry.decisions.size >= MAX_REMEMBERED_ACTORS) entry.decisions.clear();
        entry.decisions.set(actorId, enabled);
      }
      return enabled;
    } catch {
      // The tracking path must not fail because of a flag check; off is the safe answer.
      return false;
    }
  }

  /**
   * Subscribes to the changes channel, then loads every watched pair; resolves once all are loaded.
   * Subscribing first means a change made during the load is either read by it or announced after it.
   * Rejects (and leaves nothing running) when the subscription or a first load fails.
   */
  async start(watch: WatchedFlag[]): Promise<void> {
    if (this.started) throw new Error('FlagCache.start was already called');
    this.started = true;
    const added = this.addEntries(watch);
    this.subscriber.on('message', this.handleMessage);
    try {
      await this.subscriber.subscribe(this.channel);
      // Only now: the first 'ready' of the connection has passed, so any later one is a reconnect.
      this.subscriber.on('ready', this.handleReconnect);
      await this.loadOrThrow(added);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.timer = setInterval(() => void this.reloadAll(), this.refreshIntervalMs);
    this.timer.unref(); // the refresh alone must not keep the process alive
  }

  /** Reloads every watched pair now; resolves when all reads have landed (failures are counted, not thrown). */
  async reloadAll(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const flags of this.entries.values()) for (const entry of flags.values()) pending.push(this.reload(entry));
    await Promise.all(pending);
  }

  /** Unsubscribes and clears the timer; the caller still owns (and quits) both connections. */
  async stop(): Promise<void> {
    if (this.stopped || !this.started) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.subscriber.off('message', this.handleMessage);
    this.subscriber.off('ready', this.handleReconnect);
    // While disconnected the command would wait in the offline queue, possibly for ever: do not wait for it.
    const unsubscribed = this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    if (this.subscriber.status === 'ready') await unsubscribed;
  }

  private readonly handleMessage = (channel: string, message: string): void => {
    if (channel !== this.channel || this.stopped) return;
    const change = parseFlagChangeMessage(message);
    const entry = change && this.entries.get(change.env)?.get(change.flag);
    if (entry) void this.reload(entry);
  };

  private readonly handleReconnect = (): void => {
    if (this.stopped) return;
    // ioredis resubscribes on its own, but the reload must start only once the subscription is back, or a change
    // made between our read and the resubscription would be missed; our own SUBSCRIBE's reply tells us when.
    this.subscriber.subscribe(this.channel).then(
      () => this.reloadAll(),
      // The connection dropped again: the next 'ready' tries again, and the periodic refresh runs meanwhile.
      () => undefined,
    );
  };

  private addEntries(watch: WatchedFlag[]): Entry[] {
    const added: Entry[] = [];
    for (const { flag, environments } of watch) {
      validateFlagName(flag);
      for (const env of environments) {
        validateEnvironment(env);
        let flags = this.entries.get(env);
        if (!flags) this.entries.set(env, (flags = new Map<string, Entry>()));
        if (flags.has(flag)) continue;
        const entry: Entry = { flag, env, gates: undefined, loading: null, stale: false, decisions: new Map() };
        flags.set(flag, entry);
        added.push(entry);
      }
    }
    return added;
  }

  /** Loads new entries; throws the first failure (they stay watched, and are retried like any other pair). */
  private async loadOrThrow(entries: Entry[]): Promise<void> {
    const results = await Promise.all(entries.map((entry) => this.reload(entry).then(() => entry)));
    const failed = results.find((entry) => entry.gates === undefined);
    if (failed) {
      throw new Error(`FlagCache could not load ${failed.flag} in ${failed.env}; see onError and reloadErrors`);
    }
  }

  /**
   * Reads the pair again. With a read already in flight, marks it stale and returns that read's promise, extended
   * by one more read: a burst of notifications costs at most two reads, and the last one sees the last change.
   */
  private reload(entry: Entry): Promise<void> {
    if (entry.loading) {
      entry.stale = true;
      return entry.loading;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          entry.stale = false;
          await this.readOnce(entry);
        } while (entry.stale && !this.stopped);
      } finally {
        entry.loading = null;
      }
    };
    entry.loading = run();
    return entry.loading;
  }

  private async readOnce(entry: Entry): Promise<void> {
    let gates: FlagGates | null;
    try {
      gates = await this.store.get(entry.flag, entry.env);
    } catch (err) {
      this.reloadCount++;
      this.reloadErrorCount++;
      notify(() => this.onError?.(err, entry.flag, entry.env));
      return;
    }
    this.reloadCount++;
    if (entry.gates !== undefined && sameGates(entry.gates, gates)) return;
    entry.gates = gates;
    entry.decisions = new Map();
    this.versionCounter++;
    notify(() => this.onUpdate?.(entry.flag, entry.env, gates));
  }
}

/** Runs a caller's callback; its failure must not stop the reload loop or surface as an unhandled rejection. */
function notify(callback: () => void): void {
  try {
    callback();
  } catch {
    // The callback is the caller's observation hook; the cache's state is already updated.
  }
}
