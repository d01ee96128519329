// Finds and parses Temporal's TOML client config file (TEMPORAL_CONFIG_FILE, else the per-user default path), naming the file in every problem.
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { loadFromTomlData, type TomlClientConfigProfile } from '@temporalio/envconfig/lib/envconfig-toml';

export interface TemporalConfigFile {
  /** The file read, or where the default one would be (null when the platform has no default location). */
  path: string | null;
  /** Whether the file exists and was read. */
  found: boolean;
  /** Its TOML text (empty when not found). */
  text: string;
  /** Profile name → its raw TOML table. */
  profiles: Record<string, TomlClientConfigProfile>;
}

/**
 * Reads the config file the way Temporal's tools locate it. A missing default file is fine (no profiles); a file named
 * by TEMPORAL_CONFIG_FILE that cannot be read, or any file that is not valid TOML with [profile.<name>] tables, is an
 * error naming the file.
 */
export function readTemporalConfigFile(env: NodeJS.ProcessEnv): TemporalConfigFile {
  const named = env.TEMPORAL_CONFIG_FILE;
  if (named === '') throw new Error('TEMPORAL_CONFIG_FILE="": must be the path of a TOML file (unset it to use the default location)');
  const path = named ?? defaultTemporalConfigFile(env);
  if (path === null) return { path, found: false, text: '', profiles: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (named === undefined && code === 'ENOENT') return { path, found: false, text: '', profiles: {} };
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new Error(`TEMPORAL_CONFIG_FILE=${JSON.stringify(path)}: cannot read the Temporal config file (${why})`);
  }
  return { path, found: true, text, profiles: parseProfiles(text, path) };
}

/** Temporal's default location: $XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows. */
export function defaultTemporalConfigFile(env: NodeJS.ProcessEnv): string | null {
  const under = (dir: string | undefined) => (dir ? join(dir, 'temporalio', 'temporal.toml') : null);
  switch (platform()) {
    case 'win32':
      return under(env.APPDATA);
    case 'darwin':
      return under(env.HOME && join(env.HOME, 'Library', 'Application Support'));
    default: {
      const xdg = env.XDG_CONFIG_HOME;
      if (xdg) return isAbsolute(xdg) ? under(xdg) : null;
      return under(env.HOME && join(env.HOME, '.config'));
    }
  }
}

function parseProfiles(text: string, path: string): Record<string, TomlClientConfigProfile> {
  let parsed: Record<string, unknown>;
  try {
    parsed = loadFromTomlData(text, false) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Temporal config file ${path} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const profiles = parsed.profile;
  if (profiles === undefined) return {};
  const isTable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
  if (!isTable(profiles)) throw new Error(`Temporal config file ${path}: "profile" must be a table of [profile.<name>] tables`);
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isTable(profile)) throw new Error(`Temporal config file ${path}: profile.${name} must be a table`);
    if (profile.tls !== undefined && !isTable(profile.tls)) throw new Error(`Temporal config file ${path}: profile.${name}.tls must be a table`);
    if (profile.grpc_meta !== undefined && !isTable(profile.grpc_meta)) throw new Error(`Temporal config file ${path}: profile.${name}.grpc_meta must be a table`);
  }
  return profiles as Record<string, TomlClientConfigProfile>;
}
