// Runs the CLI in-process against a given configuration and captures what it prints.
import { runCli } from '../../client/cli';
import type { AppConfig } from '../../config/load-config';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliRunner(config: AppConfig): (...argv: string[]) => Promise<CliResult> {
  return async (...argv) => {
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
