// A real local Redis Cluster for tests: six redis-server nodes on 127.0.0.1 (three masters, a replica each), stopped in teardown.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Cluster } from 'ioredis';
import { createRedisClient } from '../../redis/create-redis-client';
import { freePort } from '../../stack/free-port';
import { startRedisServer, type RunningRedis } from '../../stack/redis-server';
import { pollUntil } from './eventually';

const run = promisify(execFile);

export interface RedisClusterNode {
  port: number;
  pid: number;
  /** Whether the node was killed by killNode. */
  killed: boolean;
}

export interface ClusterNodeView {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** The master's id for a replica. */
  masterId: string | null;
  failed: boolean;
}

export interface RunningRedisCluster {
  /** REDIS_URL for REDIS_CLUSTER=true: every node as a seed, comma-separated. */
  readonly url: string;
  readonly nodes: readonly RedisClusterNode[];
  /** `CLUSTER KEYSLOT key`. */
  slotOf(key: string): Promise<number>;
  /** The node that serves `slot` as master now, as a live node sees the cluster. */
  masterOfSlot(slot: number): Promise<ClusterNodeView>;
  /** `CLUSTER NODES`, as a live node sees it. */
  view(): Promise<ClusterNodeView[]>;
  /** Waits until every replica of the master on `port` has every write the master acknowledged (INFO replication offsets). */
  waitForReplicas(port: number): Promise<void>;
  /** SIGKILL: the node disappears without a clean shutdown, as a crashed host would. */
  killNode(port: number): Promise<void>;
  /** Waits until a live node reports `cluster_state:ok` and `slot`'s master is a live node. */
  waitUntilServing(slot: number, timeoutMs?: number): Promise<ClusterNodeView>;
  stop(): Promise<void>;
}

/** `nodeTimeoutMs`: cluster-node-timeout, after which a silent master is failed and a replica takes over. */
export async function startRedisCluster({ nodeTimeoutMs = 1000 }: { nodeTimeoutMs?: number } = {}): Promise<RunningRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const servers: RunningRedis[] = [];
  const nodes: RedisClusterNode[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const nodeDir = join(dir, `node-${i}`);
      mkdirSync(nodeDir);
      const server = await startRedisServer({
        args: [
          // The bus port is picked too: the default, port + 10,000, may be taken or past 65,535.
          ...['--cluster-port', String(await freePort())],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', String(nodeTimeoutMs), '--dir', nodeDir],
          // A replica syncs at once (Redis 7 waits 5 s for more replicas by default); one that never synced cannot take over.
          ...['--repl-diskless-sync-delay', '0'],
        ],
      });
      servers.push(server);
      nodes.push({ port: server.port, pid: server.pid, killed: false });
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await pollUntil(() => clusterStates(nodes), (states) => states.every((state) => state === 'ok'), { what: 'cluster_state:ok on every node', timeoutMs: 30_000, intervalMs: 100 });
    await pollUntil(
      () => Promise.all(nodes.map(async (node) => replicationOf(await cli(node.port, 'INFO', 'replication')))),
      (states) => states.filter((state) => state.role === 'master' && state.replicas.length === 1).length === 3,
      { what: 'three masters, each with a replica in sync', timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => {
    const node = nodes.find((candidate) => !candidate.killed);
    if (!node) throw new Error('every node of the test cluster was killed');
    return node;
  };
  const view = async (): Promise<ClusterNodeView[]> => parseClusterNodes(await cli(live().port, 'CLUSTER', 'NODES'));
  const masterOfSlot = async (slot: number): Promise<ClusterNodeView> => {
    const text = await cli(live().port, 'CLUSTER', 'NODES');
    const owner = text
      .split('\n')
      .filter((line) => line.includes('master') && !line.includes('fail'))
      .find((line) => line.split(' ').slice(8).some((range) => inRange(range, slot)));
    if (!owner) throw new Error(`no live master serves slot ${slot}: ${text}`);
    return parseClusterNodes(owner)[0]!;
  };

  return {
    url: nodes.map((node) => `redis://127.0.0.1:${node.port}`).join(','),
    nodes,
    slotOf: async (key) => Number(await cli(live().port, 'CLUSTER', 'KEYSLOT', key)),
    masterOfSlot,
    view,
    async waitForReplicas(port) {
      await pollUntil(
        async () => replicationOf(await cli(port, 'INFO', 'replication')),
        ({ offset, replicas }) => replicas.length > 0 && replicas.every((replica) => replica.offset >= offset),
        { what: `the replicas of 127.0.0.1:${port} to catch up`, timeoutMs: 10_000, intervalMs: 20 },
      );
    },
    async killNode(port) {
      const node = nodes.find((candidate) => candidate.port === port);
      if (!node) throw new Error(`no node of the test cluster listens on ${port}`);
      process.kill(node.pid, 'SIGKILL');
      node.killed = true;
      await pollUntil(() => isAlive(node.pid), (alive) => !alive, { what: `redis-server ${node.pid} to die`, timeoutMs: 5000, intervalMs: 20 });
    },
    async waitUntilServing(slot, timeoutMs = 30_000) {
      const { value } = await pollUntil(
        async () => {
          const state = await clusterStates([live()]);
          const master = await masterOfSlot(slot).catch(() => null);
          return state[0] === 'ok' && master !== null && !nodes.find((node) => node.port === master.port)?.killed ? master : null;
        },
        (master) => master !== null,
        { what: `a live master for slot ${slot}`, timeoutMs, intervalMs: 100 },
      );
      return value!;
    },
    stop,
  };
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

async function clusterStates(nodes: RedisClusterNode[]): Promise<string[]> {
  return Promise.all(
    nodes.map(async (node) => /cluster_state:(\w+)/.exec(await cli(node.port, 'CLUSTER', 'INFO').catch(() => ''))?.[1] ?? 'unreachable'),
  );
}

function inRange(range: string, slot: number): boolean {
  const match = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!match) return false;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  return slot >= first && slot <= last;
}

/** `CLUSTER NODES` lines: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slots…>`. */
function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, master] = line.split(' ') as [string, string, string, string];
      const flagList = flags.split(',');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        role: flagList.includes('master') ? 'master' : 'slave',
        masterId: master === '-' ? null : master,
        failed: flagList.includes('fail') || flagList.includes('fail?'),
      };
    });
}

/** A node's role, its replication offset and, for a master, the offsets of its replicas that are online (in sync). */
function replicationOf(info: string): { role: string; offset: number; replicas: { offset: number }[] } {
  const role = /role:(\w+)/.exec(info)?.[1] ?? 'unknown';
  const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? NaN);
  const replicas = [...info.matchAll(/^slave\d+:.*state=online,offset=(\d+)/gm)].map((match) => ({ offset: Number(match[1]) }));
  return { role, offset, replicas };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SuiteRedisCluster {
  /** A connected ioredis Cluster client (valid inside tests and hooks). */
  readonly redis: Cluster;
  readonly cluster: RunningRedisCluster;
}

/** Call at the top level of a test file: a cluster and a client for the whole suite, started before all tests. */
export function useRedisCluster(options: { nodeTimeoutMs?: number } = {}): SuiteRedisCluster {
  let cluster: RunningRedisCluster | undefined;
  let client: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(options);
    client = createRedisClient({ url: cluster.url, cluster: true }) as Cluster;
  }, 60_000);
  afterAll(async () => {
    await client?.quit().catch(() => client?.disconnect());
    await cluster?.stop();
  });
  return {
    get redis() {
      if (!client) throw new Error('useRedisCluster: the client exists only once beforeAll has run');
      return client;
    },
    get cluster() {
      if (!cluster) throw new Error('useRedisCluster: the cluster exists only once beforeAll has run');
      return cluster;
    },
  };
}
