// Runs the CLI in-process against a given configuration and captures what it prints.
import { runCli } from '../../client/cli';
import type { AppConfig } from '../../config/load-config';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The commands that send a decision (and sign it unless told --unsigned). */
const DECISIONS = new Set(['approve', 'reject', 'abort', 'pause', 'resume', 'cleanup']);

/**
 * `unsigned`: decisions go out with --unsigned (for tests of keyless plans) unless the arguments name a key, ask for
 * help or say --unsigned themselves.
 */
export function cliRunner(config: AppConfig, { unsigned = false }: { unsigned?: boolean } = {}): (...argv: string[]) => Promise<CliResult> {
  return async (...given) => {
    const own = given.some((arg) => arg === '--key' || arg === '--unsigned' || arg === '--help');
    const argv = unsigned && DECISIONS.has(given[0] ?? '') && !own ? [...given, '--unsigned'] : given;
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      argv,
      { stdout: (text) => (stdout += text.endsWith('\n') ? text : `${text}\n`), stderr: (text) => (stderr += text.endsWith('\n') ? text : `${text}\n`) },
      config,
    );
    return { code, stdout, stderr };
  };
}
