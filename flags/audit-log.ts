// The audit trail of flag changes made outside a rollout (`feature set|delete`): one Redis stream per flag.
import type { RedisClient } from '../redis/redis-client';
import { isEnvironment, type Environment } from './environments';
import { normalizeGates, type FlagGates, type RecordedFlagGates } from './flag-gates';
import { validateEnvironment, validateFlagName } from './validate-flag-input';

export const AUDIT_ACTIONS = ['set', 'delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What the command knew of a rollout of the flag when it changed it: none running, one running, or no answer from Temporal. */
export const ROLLOUT_SEEN = ['none', 'running', 'unknown'] as const;
export type RolloutSeen = (typeof ROLLOUT_SEEN)[number];

/** One manual change of one flag in one environment, as the command that made it records it. */
export interface AuditRecord {
  flag: string;
  env: Environment;
  action: AuditAction;
  /** Who made the change (a username; see the CLI's `--by`). */
  by: string;
  /** The command as typed, in ChatOps form, e.g. `feature set my_flag 25 --actors --staging`. */
  command: string;
  /** The gates before and after the change; `null` = the flag was not present. */
  before: FlagGates | null;
  after: FlagGates | null;
  rollout: RolloutSeen;
  /** True when the change was made with `--force` (past a running rollout or one that could not be checked). */
  forced: boolean;
}

/** A record as stored: with its stream entry id and the time Redis gave it (the id's milliseconds). */
export interface AuditEntry extends AuditRecord {
  id: string;
  at: string;
}

export interface AuditLogOptions {
  /** Key prefix, as the flag store's (defaults to `flipper`): the stream of a flag is `<prefix>:audit:<flag>`. */
  prefix?: string;
  /** Entries kept per flag (approximately: Redis trims whole nodes); defaults to 10,000. */
  maxEntriesPerFlag?: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const FIELDS = ['flag', 'env', 'action', 'by', 'command', 'before', 'after', 'rollout', 'forced'] as const;

/** The audit trail on Redis streams: XADD to append (Redis stamps the time), XREVRANGE to read the latest. */
export class RedisAuditLog {
  private readonly prefix: string;
  private readonly maxEntries: number;

  constructor(
    private readonly redis: RedisClient,
    options: AuditLogOptions = {},
  ) {
    this.prefix = options.prefix ?? 'flipper';
    this.maxEntries = options.maxEntriesPerFlag ?? DEFAULT_MAX_ENTRIES;
    if (this.prefix.length === 0) throw new Error('RedisAuditLog prefix must be a non-empty string');
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries <= 0) {
      throw new Error(`RedisAuditLog maxEntriesPerFlag must be a positive integer, got ${this.maxEntries}`);
    }
  }

  /** `<prefix>:audit:<flag>`: the stream of the flag's manual changes, oldest first. */
  streamKey(flag: string): string {
    return `${this.prefix}:audit:${flag}`;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    validateFlagName(record.flag);
    validateEnvironment(record.env);
    const fields = FIELDS.flatMap((field) => [field, encodeField(record, field)]);
    const id = await this.redis.xadd(this.streamKey(record.flag), 'MAXLEN', '~', String(this.maxEntries), '*', ...fields);
    if (id === null) throw new Error(`Redis did not add the audit entry to ${this.streamKey(record.flag)}`);
    return { ...record, id, at: timeOfId(id) };
  }

  /** The flag's latest `limit` entries, oldest first. */
  async latest(flag: string, limit: number): Promise<AuditEntry[]> {
    validateFlagName(flag);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`audit entries: limit must be a positive integer, got ${limit}`);
    const key = this.streamKey(flag);
    const rows = await this.redis.xrevrange(key, '+', '-', 'COUNT', limit);
    return rows.reverse().map(([id, fields]) => parseEntry(id, fields, key));
  }
}

function encodeField(record: AuditRecord, field: (typeof FIELDS)[number]): string {
  const value = record[field];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function timeOfId(id: string): string {
  return new Date(Number(id.split('-')[0])).toISOString();
}

/** Parses a stream entry, failing loudly on anything this module did not write. */
function parseEntry(id: string, flat: string[], key: string): AuditEntry {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
  const where = `Redis stream ${key} entry ${id}`;
  const text = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`${where} is not an audit entry: it has no field ${name}`);
    return value;
  };
  const env = text('env');
  const action = text('action');
  const rollout = text('rollout');
  if (!isEnvironment(env)) throw new Error(`${where} names an unknown environment ${JSON.stringify(env)}`);
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new Error(`${where} has an unknown action ${JSON.stringify(action)}`);
  if (!(ROLLOUT_SEEN as readonly string[]).includes(rollout)) throw new Error(`${where} has an unknown rollout value ${JSON.stringify(rollout)}`);
  return {
    id,
    at: timeOfId(id),
    flag: text('flag'),
    env,
    action: action as AuditAction,
    by: text('by'),
    command: text('command'),
    before: parseGates(text('before'), `${where} field before`),
    after: parseGates(text('after'), `${where} field after`),
    rollout: rollout as RolloutSeen,
    forced: text('forced') === 'true',
  };
}

/** Gates as written then, in today's shape (an entry from before the group gate has no `groups`). */
function parseGates(text: string, where: string): FlagGates | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} holds ${JSON.stringify(text.slice(0, 100))}, not JSON`);
  }
  if (value === null) return null;
  const gates = value as Partial<RecordedFlagGates>;
  if (typeof gates !== 'object' || !Array.isArray(gates.actors)) throw new Error(`${where} holds ${JSON.stringify(text.slice(0, 100))}, not flag gates`);
  return normalizeGates(gates as RecordedFlagGates);
}
