// Starts `temporal server start-dev` (with or without its Web UI) on 127.0.0.1 with the rollout's search attributes, and waits until it is healthy.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { stopChild } from './redis-server';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { temporalCliPath } from './temporal-binaries';

const run = promisify(execFile);

export interface TemporalDevServerOptions {
  port?: number;
  /** Serve the Web UI on this port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file for a server whose history survives restarts; omit for in-memory. */
  dbFilename?: string;
  namespace?: string;
}

export interface RunningTemporalDevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<RunningTemporalDevServer> {
  const cli = temporalCliPath();
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  // Registered in every namespace the server creates; a persisted database keeps them, and registering again is a no-op.
  for (const { name, type } of ROLLOUT_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${type}`);
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}: ${stderr}`);
    try {
      await run(cli, ['operator', 'cluster', 'health', '--address', address], { timeout: 5000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stopChild(child);
        throw new Error(`temporal dev server on ${address} was not healthy within 60 s: ${String(err)} ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    stop: () => stopChild(child),
  };
}
