// Gives a test suite its own Snowplow collector (stack/collector-server) reset after each test.
import { startCollectorServer, type RunningCollector } from '../../stack/collector-server';

export function useCollectorServer(): { readonly collector: RunningCollector } {
  let server: RunningCollector | undefined;
  beforeAll(async () => {
    server = await startCollectorServer();
  });
  afterEach(async () => {
    // Everything the tracking path sent validates against the Iglu schemas Snowplow Micro is given.
    const bad = server?.badEvents() ?? [];
    await server?.setDown('up');
    server?.reset();
    expect(bad).toEqual([]);
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

