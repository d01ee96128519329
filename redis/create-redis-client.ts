// The one place Redis clients are made: a single server or a Redis Cluster, over TLS when asked, always with an error listener.
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, ReplyError, type ClusterOptions, type Command, type RedisOptions } from 'ioredis';
import { ConfigError, type AppConfig } from '../config/load-config';
import { checkKeyPair, readCertificate, readPem, type PemSource } from '../config/pem-source';
import { describeRedisAddress } from './describe-redis-address';
import { BROKEN_CONNECTION, explainRedisConnectionError, type RedisConnectionKind } from './explain-redis-connection-error';
import type { RedisClient } from './redis-client';
import { parseRedisUrls, type RedisNodeUrl } from './redis-urls';

/** How to reach Redis: REDIS_URL, REDIS_CLUSTER and REDIS_TLS_CA_FILE/CERT_FILE/KEY_FILE. */
export interface RedisConnectionSettings {
  /** One redis:// or rediss:// URL; with `cluster`, a comma-separated list of seed nodes. */
  url: string;
  cluster?: boolean;
  /** PEM files for rediss://: a CA to trust, and a client certificate and key when the server demands one. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** What a user of Redis is given: the configuration (REDIS_URL, REDIS_CLUSTER, REDIS_TLS_*), or a URL of one server (tests). */
export type RedisTarget = string | Pick<AppConfig, 'redisUrl' | 'redis'>;

/** The connection settings of a configuration, or of one server's URL. */
export function redisSettingsOf(target: RedisTarget): RedisConnectionSettings {
  if (typeof target === 'string') return { url: target };
  return { url: target.redisUrl, cluster: target.redis.cluster, tls: target.redis.tls };
}

/** How one user of Redis wants its client to behave; each user (worker, CLI, report reader…) says it where it is. */
export interface RedisClientUse {
  /** How long one connection attempt (TCP and TLS) may take; 10 s by default. */
  connectTimeoutMs?: number;
  /**
   * The delay before reconnect attempt `attempt` (1, 2, …) after the connection was lost or could not be made; `null`:
   * never reconnect (the client ends and its commands fail). A cluster reconnects as a whole this way (a node that
   * fails is replaced from the cluster's topology). By default ioredis's (reconnect for ever).
   */
  reconnectDelayMs?: ((attempt: number) => number) | null;
  /**
   * Fail a command after one failed reconnect instead of holding it until Redis is back. A cluster that keeps
   * reconnecting would hold commands in its offline queue until it is back, so there it queues none while it has no
   * connection (commands fail at once), unless `reconnectDelayMs` is null: not reconnecting ends the wait anyway.
   */
  failFast?: boolean;
  /** Hold commands sent while not (yet) connected (true by default); false fails them at once. */
  queueWhileConnecting?: boolean;
  /** Connect on the first command or `connect()` instead of at once. */
  lazyConnect?: boolean;
  /**
   * Told each connection problem once (one line naming Redis and its masked address), until the client is ready
   * again; without it problems are dropped here and show as the failed commands' errors.
   */
  onError?: (detail: string, error: Error) => void;
  /** Told when the client is ready again after a problem. */
  onReady?: (detail: string) => void;
}

/**
 * A client for `settings` behaving as `use` asks. Throws ConfigError, naming the variable, when the settings cannot
 * work: a list of URLs without REDIS_CLUSTER=true, TLS files with a redis:// URL, a certificate without its key, or a
 * PEM file that cannot be read.
 */
export function createRedisClient(settings: RedisConnectionSettings, use: RedisClientUse = {}): RedisClient {
  const nodes = redisNodesOf(settings);
  const tls = tlsOptionsOf(settings, nodes);
  const connectTimeout = use.connectTimeoutMs ?? 10_000;
  const client = settings.cluster
    ? createCluster(nodes, tls, connectTimeout, use)
    : createServer(nodes[0]!, tls, connectTimeout, use);
  const address = describeRedisAddress(settings);
  const kind: RedisConnectionKind = { tls: nodes[0]!.tls, clientCertificate: tls?.cert !== undefined };
  const lastProblem = listenForProblems(client, address, kind, use);
  nameConnectionErrors(client, address, lastProblem);
  return client;
}

function redisNodesOf(settings: RedisConnectionSettings): RedisNodeUrl[] {
  const { nodes, problems } = parseRedisUrls(settings.url);
  const shown = maskedUrls(settings.url);
  if (problems.length > 0) throw new ConfigError(`REDIS_URL=${shown}: ${problems.join('; ')}`);
  if (nodes.length > 1 && !settings.cluster) {
    throw new ConfigError(
      `REDIS_URL=${shown} lists ${nodes.length} URLs, but REDIS_CLUSTER is not true: set REDIS_CLUSTER=true to use them as the seed nodes of a Redis Cluster, or give one URL`,
    );
  }
  if (settings.cluster && nodes.some((node) => node.db !== 0)) {
    throw new ConfigError(`REDIS_URL=${shown} names a database other than 0, but REDIS_CLUSTER=true and Redis Cluster has only database 0`);
  }
  return nodes;
}

function maskedUrls(url: string): string {
  return describeRedisAddress({ url }).replace(/^Redis at /, '');
}

const TLS_FILES = [
  ['caFile', 'REDIS_TLS_CA_FILE'],
  ['certFile', 'REDIS_TLS_CERT_FILE'],
  ['keyFile', 'REDIS_TLS_KEY_FILE'],
] as const;

/** The TLS options of rediss:// URLs: the PEM files read and checked now, so a bad file fails at start naming its variable. */
function tlsOptionsOf(settings: RedisConnectionSettings, nodes: RedisNodeUrl[]): ConnectionOptions | undefined {
  const files = settings.tls ?? {};
  const given = TLS_FILES.filter(([field]) => files[field] !== undefined).map(([, variable]) => variable);
  if (!nodes.every((node) => node.tls)) {
    if (given.length === 0) return undefined;
    throw new ConfigError(
      `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set, but REDIS_URL=${maskedUrls(settings.url)} ` +
        'is not a rediss:// URL: the TLS files are used only over TLS; write rediss://host:port (or unset them)',
    );
  }
  const source = (field: 'caFile' | 'certFile' | 'keyFile', origin: string): PemSource | null => (files[field] === undefined ? null : { origin, file: files[field] });
  const ca = source('caFile', 'REDIS_TLS_CA_FILE');
  const cert = source('certFile', 'REDIS_TLS_CERT_FILE');
  const key = source('keyFile', 'REDIS_TLS_KEY_FILE');
  if ((cert === null) !== (key === null)) {
    const [set, unset] = cert === null ? ['REDIS_TLS_KEY_FILE', 'REDIS_TLS_CERT_FILE'] : ['REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'];
    throw new ConfigError(`${set} is set without ${unset}: a client certificate needs both the certificate and its private key`);
  }
  try {
    if (ca) readCertificate(ca);
    if (cert && key) checkKeyPair(cert, key);
    return {
      ...(ca ? { ca: readPem(ca) } : {}),
      ...(cert && key ? { cert: readPem(cert), key: readPem(key) } : {}),
    };
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function createServer(node: RedisNodeUrl, tls: ConnectionOptions | undefined, connectTimeout: number, use: RedisClientUse): Redis {
  const options: RedisOptions = {
    host: node.host,
    port: node.port,
    db: node.db,
    ...(node.username === undefined ? {} : { username: node.username }),
    ...(node.password === undefined ? {} : { password: node.password }),
    ...(node.tls ? { tls: tls ?? {} } : {}),
    connectTimeout,
    lazyConnect: use.lazyConnect ?? false,
    enableOfflineQueue: use.queueWhileConnecting ?? true,
    ...(use.failFast ? { maxRetriesPerRequest: 1 } : {}),
    ...(use.reconnectDelayMs === undefined ? {} : { retryStrategy: use.reconnectDelayMs ?? (() => null) }),
  };
  return new Redis(options);
}

function createCluster(nodes: RedisNodeUrl[], tls: ConnectionOptions | undefined, connectTimeout: number, use: RedisClientUse): Cluster {
  const [first] = nodes;
  const secure = first?.tls === true;
  const reconnects = use.reconnectDelayMs !== null;
  const options: ClusterOptions = {
    // Credentials and TLS go to every node's connection, the seeds' and those the cluster's topology names.
    redisOptions: {
      ...(first?.username === undefined ? {} : { username: first.username }),
      ...(first?.password === undefined ? {} : { password: first.password }),
      ...(secure ? { tls: tls ?? {} } : {}),
      connectTimeout,
      ...(use.failFast ? { maxRetriesPerRequest: 1 } : {}),
    },
    // Over TLS a node's certificate is checked against the name it was reached by, so names are not resolved first.
    ...(secure ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
    slotsRefreshTimeout: connectTimeout,
    lazyConnect: use.lazyConnect ?? false,
    enableOfflineQueue: (use.queueWhileConnecting ?? true) && !(use.failFast && reconnects),
    ...(use.reconnectDelayMs === undefined ? {} : { clusterRetryStrategy: use.reconnectDelayMs ?? (() => null) }),
  };
  return new Cluster(
    nodes.map((node) => ({ host: node.host, port: node.port })),
    options,
  );
}

/**
 * Problems become one line each naming Redis (never an "Unhandled error event" on stderr), told again only after a
 * recovery. Returns why the connection failed since the client was last ready (null when nothing did): the first
 * problem that says more than that the connection broke (a TLS alert rather than the ECONNRESET around it).
 */
function listenForProblems(client: RedisClient, address: string, kind: RedisConnectionKind, use: RedisClientUse): () => string | null {
  // A cluster's reconnects alternate between a node's error and the cluster's: each is told once until it is ready again.
  const told = new Set<string>();
  let why: string | null = null;
  const problem = (what: string, error: Error) => {
    if (why === null || (BROKEN_CONNECTION.test(why) && !BROKEN_CONNECTION.test(what))) why = what;
    const detail = `${address}: ${what}`;
    if (!told.has(detail)) use.onError?.(detail, error);
    told.add(detail);
  };
  client.on('error', (error: Error & { lastNodeError?: Error }) => {
    // A cluster that reached no node says only "Failed to refresh slots cache."; the last node's error says why.
    const cause = error.lastNodeError ? ` (${explainRedisConnectionError(error.lastNodeError, kind)})` : '';
    problem(`${explainRedisConnectionError(error, kind)}${cause}`, error);
  });
  if (client instanceof Cluster) {
    client.on('node error', (error: Error, node: string) => problem(`node ${node}: ${explainRedisConnectionError(error, kind)}`, error));
  }
  client.on('ready', () => {
    if (told.size > 0) use.onReady?.(`${address} is reachable again`);
    told.clear();
    why = null;
  });
  return () => why;
}

/**
 * A command that fails for want of a connection names Redis and its address ("Redis at redis://…: Connection is
 * closed."), so an activity's failure says what failed; Redis's own replies (ReplyError: NOSCRIPT, WRONGTYPE…) stay as
 * they are. Wrapped at every send: a cluster's pipeline renews a command's promise before it sends it again, and
 * naming twice changes nothing.
 */
function nameConnectionErrors(client: RedisClient, address: string, lastProblem: () => string | null): void {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  client.sendCommand = (command: Command, ...rest: unknown[]): unknown => {
    const reject = command.reject;
    command.reject = (error: Error) => reject(namedConnectionError(error, address, lastProblem()));
    return send(command, ...rest);
  };
}

/** `<address>: <message>`, and why the connection failed when the message does not say it ("Connection is closed."). */
function namedConnectionError(error: Error, address: string, lastProblem: string | null): Error {
  if (error instanceof ReplyError || error.message.startsWith(address)) return error;
  const why = lastProblem !== null && !error.message.includes(lastProblem) ? ` (last connection error: ${lastProblem})` : '';
  const named = new Error(`${address}: ${error.message}${why}`, { cause: error });
  named.name = error.name;
  return named;
}
