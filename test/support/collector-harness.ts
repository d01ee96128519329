// Gives a test suite its own Snowplow collector (stack/collector-server) and a helper to wait for what it receives.
import { startCollectorServer, type RunningCollector } from '../../stack/collector-server';

export function useCollectorServer(): { readonly collector: RunningCollector } {
  let server: RunningCollector | undefined;
  beforeAll(async () => {
    server = await startCollectorServer();
  });
  afterEach(async () => {
    await server?.setDown('up');
    server?.reset();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get collector() {
      if (!server) throw new Error('useCollectorServer: the collector exists only once beforeAll has run');
      return server;
    },
  };
}

/** Polls `check` until it returns true (or `timeoutMs` passes, then fails with `what`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
