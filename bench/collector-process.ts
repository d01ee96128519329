// Runs the embedded collector in a process of its own for benchmarks (as a real collector would be), reporting its URL over IPC.
// Started by startCollectorProcess(); counts are read over HTTP (Snowplow Micro's /micro/all), stopped with a 'stop' message.
import { fork, type ChildProcess } from 'node:child_process';
import { startCollectorServer } from '../stack/collector-server';

export interface CollectorProcess {
  url: string;
  pid: number;
  /** Snowplow Micro's counts: events received, valid, invalid. */
  counts(): Promise<{ total: number; good: number; bad: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Forks this file under tsx and waits for the collector inside to listen. */
export async function startCollectorProcess(): Promise<CollectorProcess> {
  const child: ChildProcess = fork(__filename, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url?: string }) => (message.url ? resolve(message.url) : reject(new Error('collector process: no URL'))));
    child.once('exit', (code) => reject(new Error(`collector process exited with code ${code} before listening`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    counts: async () => (await (await get(`${url}/micro/all`)).json()) as { total: number; good: number; bad: number },
    reset: async () => void (await get(`${url}/micro/reset`)).text(),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/**
 * GET, once more if the first try finds its kept-alive connection closed: between rounds more than the server's
 * keep-alive timeout (5 s) can pass, and the server may close the connection just as fetch reuses it.
 */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch {
    return fetch(url);
  }
}

async function serve(): Promise<void> {
  const collector = await startCollectorServer();
  process.on('message', (message) => {
    if (message === 'stop') void collector.stop().then(() => process.exit(0));
  });
  process.send?.({ url: collector.url });
}

if (require.main === module && process.send) {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
