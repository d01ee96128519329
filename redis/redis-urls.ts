// The REDIS_URL rule: one redis:// or rediss:// URL, or for Redis Cluster a comma-separated list of them (the seed nodes).

/** One entry of REDIS_URL: where a node listens, whether over TLS, and the credentials the URL carries. */
export interface RedisNodeUrl {
  /** The entry as written (it may hold a password: mask it before showing it). */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** The database number of the URL's path (`/2`); 0 when it names none. */
  db: number;
}

const DEFAULT_PORT = 6379;

/** Splits REDIS_URL into its URLs; `problems` says what is wrong with each bad entry (empty when it is valid). */
export function parseRedisUrls(text: string): { nodes: RedisNodeUrl[]; problems: string[] } {
  const entries = text.split(',').map((entry) => entry.trim());
  const nodes: RedisNodeUrl[] = [];
  const problems: string[] = [];
  entries.forEach((entry, index) => {
    // A single URL keeps the message it always had; entries of a list are named by their position.
    const where = entries.length === 1 ? '' : `entry ${index + 1} (${JSON.stringify(entry)}) `;
    const parsed = parseRedisUrl(entry);
    if (typeof parsed === 'string') problems.push(`${where}${parsed}`);
    else nodes.push(parsed);
  });
  if (entries.length > 1 && problems.length === 0) problems.push(...listProblems(nodes));
  return { nodes, problems };
}

function parseRedisUrl(entry: string): RedisNodeUrl | string {
  if (entry === '') return 'is empty (a stray comma?): give redis://host:port or rediss://host:port';
  if (!/^rediss?:\/\//.test(entry)) return 'must start with redis:// or rediss:// (with REDIS_CLUSTER=true, a comma-separated list of such URLs)';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'is not a valid URL: expected redis[s]://[[user]:password@]host[:port][/db]';
  }
  if (url.hostname === '') return 'names no host: expected redis[s]://[[user]:password@]host[:port][/db]';
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path)) return `has the path "${url.pathname}"; only a database number may follow the host, e.g. /0`;
  return {
    url: entry,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_PORT : Number(url.port),
    tls: url.protocol === 'rediss:',
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    db: path === '' ? 0 : Number(path),
  };
}

/** The seed nodes of a cluster share one scheme and one set of credentials, and name no database (a cluster has only 0). */
function listProblems(nodes: RedisNodeUrl[]): string[] {
  const problems: string[] = [];
  const [first] = nodes;
  if (first === undefined) return problems;
  if (nodes.some((node) => node.tls !== first.tls)) problems.push('mixes redis:// and rediss:// entries; every node of a cluster is reached the same way');
  if (nodes.some((node) => node.username !== first.username || node.password !== first.password)) {
    problems.push('gives different users or passwords; every node of a cluster takes the same credentials');
  }
  if (nodes.some((node) => node.db !== 0)) problems.push('names a database other than 0; Redis Cluster has only database 0');
  return problems;
}
