// `rollout flags migrate [--dry-run] [--force] [--json]`: moves flags from the store's old Redis layout to Flipper's.
import { Command } from 'commander';
import type { RedisClient } from '../redis/redis-client';
import type { FlagMigrationEntry, FlagMigrationResult } from '../flags/flag-layout-migration';
import type { FlagGates } from '../flags/flag-gates';
import { CliError, EXIT_CODES } from './cli-errors';

export interface FlagMigrationResources {
  readonly config: { readonly flagKeyPrefix: string };
  /** The invocation's Redis connection. */
  redisClient(): Promise<RedisClient>;
}

export interface FlagMigrationIo {
  stdout: (text: string) => void;
}

interface MigrateOptions {
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

// The migration module (and ioredis) are imported by the action: `rollout status` must not load them.
export function flagsCommand(resources: () => FlagMigrationResources, io: FlagMigrationIo): Command {
  const flags = new Command('flags')
    .description("maintain the flag store's Redis data")
    // The subcommands exist before cli.ts hands `flags` the program's settings (exit override, output): pass them on.
    .hook('preSubcommand', (self, sub) => void sub.copyInheritedSettings(self));

  flags
    .command('migrate')
    .description(
      "move every environment's flags from the old layout (<prefix>:<env>:features, <prefix>:<env>:feature:<flag>) to " +
        "Flipper's (<prefix>:<env>:flipper_features, <prefix>:<env>:<flag>); idempotent",
    )
    .option('--dry-run', 'report what would be moved; change nothing')
    .option('--force', 'replace a flag that the new layout already holds with different gates (default: leave it and exit 3)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: MigrateOptions) => {
      const { config } = resources();
      const [{ migrateFlagLayout }, { formatGates }, redis] = await Promise.all([
        import('../flags/flag-layout-migration'),
        import('../report/format-report-values'),
        resources().redisClient(),
      ]);
      const result = await migrateFlagLayout(redis, { prefix: config.flagKeyPrefix, dryRun: opts.dryRun, force: opts.force });
      if (opts.json) io.stdout(JSON.stringify(result, null, 2));
      else for (const line of describeMigration(result, formatGates)) io.stdout(line);
      const refused = result.entries.filter((entry) => entry.outcome === 'conflict' || entry.outcome === 'blocked');
      if (refused.length > 0) {
        throw new CliError(
          `${refused.length} flag(s) not migrated: ${refused.map((entry) => `${entry.flag} in ${entry.env}`).join(', ')}` +
            (refused.some((entry) => entry.outcome === 'conflict') ? ' (--force replaces what the new layout holds)' : ''),
          EXIT_CODES.refused,
        );
      }
    });
  return flags;
}

const DONE: Record<FlagMigrationEntry['outcome'], [dryRun: string, done: string]> = {
  moved: ['would move', 'moved'],
  'already-moved': ['already in the new layout; would remove the old copy', 'already in the new layout; removed the old copy'],
  overwritten: ['would replace what the new layout holds', 'replaced what the new layout held'],
  conflict: ['conflict', 'conflict'],
  blocked: ['cannot be moved', 'not moved'],
  gone: ['left the old layout meanwhile', 'left the old layout meanwhile'],
};

/** The result as lines: one per flag, then a summary with the key_prefix a Ruby app uses. */
export function describeMigration(result: FlagMigrationResult, formatGates: (gates: FlagGates | null) => string): string[] {
  const { prefix, dryRun } = result;
  const lines = [
    `${dryRun ? 'Dry run: nothing changes. ' : ''}From ${prefix}:<env>:features and ${prefix}:<env>:feature:<flag> ` +
      `to Flipper's layout ${prefix}:<env>:flipper_features and ${prefix}:<env>:<flag>.`,
  ];
  for (const entry of result.entries) {
    const what = DONE[entry.outcome][dryRun ? 0 : 1];
    const gates = entry.gates === undefined ? '' : ` (${formatGates(entry.gates)})`;
    const found = entry.outcome === 'overwritten' || entry.outcome === 'conflict' ? `; the new layout holds: ${formatGates(entry.found ?? null)}` : '';
    const reason = entry.reason === undefined ? '' : ` — ${entry.reason}`;
    lines.push(`${entry.env} ${entry.flag}: ${what}${gates}${found}${reason}`);
  }
  const count = (outcome: FlagMigrationEntry['outcome']) => result.entries.filter((entry) => entry.outcome === outcome).length;
  if (result.entries.length === 0) lines.push('Nothing to move: the old layout holds no flags.');
  else {
    lines.push(
      `${dryRun ? 'Would move' : 'Moved'} ${count('moved') + count('overwritten')} flag(s) (${count('overwritten')} replacing others), ` +
        `${count('already-moved')} already moved, ${count('conflict')} conflict(s), ${count('blocked')} blocked.`,
    );
  }
  const left = Object.entries(result.left).filter(([, n]) => n > 0);
  if (!dryRun && left.length > 0) lines.push(`Still in the old layout: ${left.map(([env, n]) => `${n} in ${env}`).join(', ')}.`);
  lines.push(`A Ruby app reads environment <env> with Flipper::Adapters::Redis.new(redis, key_prefix: "${prefix}:<env>:").`);
  return lines;
}
