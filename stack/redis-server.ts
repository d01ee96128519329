// Starts a throw-away redis-server on 127.0.0.1 (no persistence) for tests and the embedded stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { freePort } from './free-port';

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`, or `rediss://…` when it listens with TLS only. */
  url: string;
  port: number;
  /** The redis-server process, e.g. to kill it without a clean shutdown. */
  pid: number;
  stop(): Promise<void>;
}

/** TLS only (`--port 0 --tls-port`): PEM files of the server's certificate and key, and the CA that signs client certificates. */
export interface RedisServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Demand a client certificate signed by `caFile` (`--tls-auth-clients yes`); default true. */
  authClients?: boolean;
  /** A client certificate and key for the start-up PING when `authClients` is on. */
  clientCertFile?: string;
  clientKeyFile?: string;
}

export interface RedisServerOptions {
  port?: number;
  /** Path of redis-server; defaults to the one on PATH. */
  binary?: string;
  /** Keep data in this folder (append-only file) so it survives restarts; omit for a throw-away server. */
  dataDir?: string;
  /** Listen with TLS only, on `port`. */
  tls?: RedisServerTls;
  /** More redis-server arguments, e.g. `--cluster-enabled yes` for a cluster node (they come last, so they win). */
  args?: string[];
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const persistence = options.dataDir ? ['--dir', options.dataDir, '--appendonly', 'yes'] : ['--appendonly', 'no'];
  const { tls } = options;
  if (tls && tls.authClients !== false && !(tls.clientCertFile && tls.clientKeyFile)) {
    throw new Error('startRedisServer: a TLS server that demands client certificates needs clientCertFile and clientKeyFile for its start-up PING');
  }
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients === false ? 'no' : 'yes']
    : ['--port', String(port)];
  const child = spawn(
    options.binary ?? 'redis-server',
    [...listen, '--bind', '127.0.0.1', '--save', '', ...persistence, '--loglevel', 'warning', ...(options.args ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  await waitForRedis(port, child, () => stderr, tls);
  return {
    url,
    port,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

async function waitForRedis(port: number, child: ChildProcess, stderr: () => string, tls: RedisServerTls | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} before accepting connections: ${stderr()}`);
    }
    if (await answersPing(port, tls)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A raw PING over TCP (or TLS): no client library, so no reconnect timers are left behind. */
function answersPing(port: number, tls: RedisServerTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls
      ? connectTls({
          port,
          host: '127.0.0.1',
          ca: readFileSync(tls.caFile),
          ...(tls.clientCertFile && tls.clientKeyFile ? { cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) } : {}),
        })
      : connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => done(data.toString().startsWith('+PONG')));
  });
}

/** Sends SIGTERM and waits for the process to exit (SIGKILL after 5 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
