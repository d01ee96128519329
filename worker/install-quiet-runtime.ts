// Installs a Temporal runtime that only reports errors: for tests (expected failures) and the replay tool (expected mismatches).
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function installQuietRuntime(): void {
  if (installed) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  installed = true;
}
