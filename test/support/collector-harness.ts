// Gives a test suite its own Snowplow collector (stack/collector-server) reset after each test.
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

