// The tracking call sites use: count a unique user in RedisHLL and, where the flag is on, send the event to Snowplow.
import type { RedisClient } from '../redis/redis-client';
import { isEnvironment, type Environment } from '../flags/environments';
import type { FlagChecker } from './flag-checker';
import { memoizedWeekKey } from './hll-week-key';
import { HllWriter, type HllWriterOptions, type HllWriterStats } from './hll-writer';
import { SnowplowSender, type SnowplowSenderOptions, type SnowplowSenderStats } from './snowplow-sender';

export interface TrackContext {
  /** Counted as a unique value in the event's weekly HLL key. */
  user: string;
  /** The flag's actor: `group:<namespace>`. */
  namespace: string;
  project?: string;
  env: Environment;
}

export interface EventTrackerOptions extends SnowplowSenderOptions {
  redis: RedisClient;
  /** Answers, from memory, whether `flag` is on for the event's namespace. */
  flags: FlagChecker;
  now?: () => Date;
  hll?: Omit<HllWriterOptions, 'redis'>;
}

export interface EventTrackerStats {
  /** track() calls that were counted. */
  tracked: number;
  /** track() calls ignored: bad input, or after close(). */
  invalid: number;
  /** Events handed to Snowplow (the flag was on for their namespace). */
  routed: number;
  /** FlagChecker or other unexpected errors (the event is then counted in HLL only). */
  errors: number;
  hll: HllWriterStats;
  snowplow: SnowplowSenderStats;
}

// Event names as the HLL key and the Snowplow action carry them; no spaces or braces (they would change the hash tag).
const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,200}$/;
const MAX_FIELD_LENGTH = 1000;
/** Event names and actor ids remembered for the hot path (each memo starts over past this many entries). */
const MAX_REMEMBERED = 10_000;

export class EventTracker {
  private readonly flags: FlagChecker;
  private readonly flag: string;
  /** The tracker's clock in epoch milliseconds (Date.now unless a `now` was given). */
  private readonly nowMs: () => number;
  private readonly hll: HllWriter;
  private readonly sender: SnowplowSender;
  private readonly weekKey = memoizedWeekKey();
  /** Event names already checked against EVENT_NAME: the check is a regular expression, the memo one Set lookup. */
  private readonly validEvents = new Set<string>();
  /** `group:<namespace>` per namespace: one built string per namespace instead of one per call. */
  private readonly actors = new Map<string, string>();
  private closed = false;
  private readonly counts = { tracked: 0, invalid: 0, routed: 0, errors: 0 };

  constructor(options: EventTrackerOptions) {
    this.flags = options.flags;
    this.flag = options.flag;
    const now = options.now;
    this.nowMs = now ? () => now().getTime() : Date.now;
    this.hll = new HllWriter({ onError: options.onError, ...options.hll, redis: options.redis });
    this.sender = new SnowplowSender(options);
  }

  /** Never throws and never waits for the network: bad input is counted and ignored. */
  track(event: string, ctx: TrackContext): void {
    try {
      if (this.closed || !this.isValidEvent(event) || !isValidContext(ctx)) {
        this.counts.invalid++;
        return;
      }
      this.counts.tracked++;
      this.hll.add(this.weekKey(event, this.nowMs()), ctx.user);
      if (this.isEnabled(ctx)) {
        this.counts.routed++;
        this.sender.send(event);
      }
    } catch {
      this.counts.errors++;
    }
  }

  /** Resolves true once the Snowplow thread runs (false if it could not start); track() works before that too. */
  ready(): Promise<boolean> {
    return this.sender.ready();
  }

  /** Writes the HLL buffer and sends the Snowplow outbox; true when the outbox is empty. Never rejects. */
  async flush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const [, drained] = await Promise.all([this.hll.flush(), this.sender.flush(options)]);
    return drained;
  }

  /** Stops the timers after a best-effort flush (timeoutMs 0: none; the outbox still reaches Redis). Never rejects. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closed = true;
    await Promise.all([this.hll.close(), this.sender.close(options)]);
  }

  stats(): EventTrackerStats {
    return { ...this.counts, hll: this.hll.stats, snowplow: this.sender.stats() };
  }

  private isValidEvent(event: unknown): event is string {
    if (typeof event !== 'string') return false;
    if (this.validEvents.has(event)) return true;
    if (!EVENT_NAME.test(event)) return false;
    if (this.validEvents.size >= MAX_REMEMBERED) this.validEvents.clear();
    this.validEvents.add(event);
    return true;
  }

  private isEnabled(ctx: TrackContext): boolean {
    try {
      let actor = this.actors.get(ctx.namespace);
      if (actor === undefined) {
        if (this.actors.size >= MAX_REMEMBERED) this.actors.clear();
        actor = `group:${ctx.namespace}`;
        this.actors.set(ctx.namespace, actor);
      }
      return this.flags.isEnabled(this.flag, ctx.env, actor);
    } catch {
      // A broken flag check must not break the request that tracks: the event is only counted in HLL.
      this.counts.errors++;
      return false;
    }
  }
}

function isValidContext(ctx: unknown): ctx is TrackContext {
  if (typeof ctx !== 'object' || ctx === null) return false;
  const { user, namespace, project, env } = ctx as Record<string, unknown>;
  return (
    isField(user) &&
    isField(namespace) &&
    (project === undefined || isField(project)) &&
    typeof env === 'string' &&
    isEnvironment(env)
  );
}

function isField(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH;
}
