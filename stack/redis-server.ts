// Starts a throw-away redis-server on 127.0.0.1 (no persistence) for tests and the embedded stack.
import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './free-port';

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** Path of redis-server; defaults to the one on PATH. */
  binary?: string;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    options.binary ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `redis://127.0.0.1:${port}`;
  await waitForRedis(url, child, () => stderr);
  return {
    url,
    port,
    stop: () => stopChild(child),
  };
}

async function waitForRedis(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} before accepting connections: ${stderr()}`);
    }
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // connection refusals are expected until the server is up
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${url} did not answer within 10 s: ${String(err)}`);
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
