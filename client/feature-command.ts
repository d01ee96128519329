// `rollout feature get|list|set|delete|log`: read and change flag gates by hand, in ChatOps syntax, with an audit trail.
import { Command } from 'commander';
import { emptyGates } from '../flags/flag-gates';
import { ENVIRONMENTS, isEnvironment } from '../flags/environments';
import { positiveInteger } from './cli-arguments';
import { ROLLOUT_USER_ENV } from './feature-change-author';
import type { ManualChange, ManualChangeResources } from './feature-change';
import {
  accumulateList,
  ACTOR_OPTIONS,
  checkFlagName,
  ENVIRONMENT_OPTIONS,
  featureDeleteCommandText,
  featureSetChange,
  featureSetCommandText,
  targetEnvironments,
  type EnvironmentOptions,
  type FeatureSetOptions,
} from './feature-set-arguments';

export interface FeatureIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface ChangeOptions {
  by?: string;
  force?: boolean;
}

// The modules that talk to Redis and Temporal are imported by the actions that use them (see docs/benchmarks.md, "A fast CLI").
export function featureCommand(resources: () => ManualChangeResources, io: FeatureIo): Command {
  const feature = new Command('feature')
    .description('read and change flag gates by hand (ChatOps syntax); every change is audited')
    // The subcommands exist before cli.ts hands `feature` the program's settings (exit override, output): pass them on.
    .hook('preSubcommand', (self, sub) => void sub.copyInheritedSettings(self));

  feature
    .command('get')
    .description('show the gates of <flag> in every environment; exit 4 when no environment has it')
    .argument('<flag>')
    .option('--json', 'print as JSON')
    .action(async (flag: string, opts: { json?: boolean }) => {
      checkFlagName(flag);
      const { readFlag, flagText } = await import('./feature-flag-listing');
      const listing = await readFlag(await resources().flagStore(), flag);
      // JSON keeps one entry per environment, empty gates where the flag is absent.
      const environments = Object.fromEntries(ENVIRONMENTS.map((env) => [env, listing.environments[env] ?? emptyGates()]));
      io.stdout(opts.json ? JSON.stringify({ flag, environments }, null, 2) : flagText(listing));
    });

  feature
    .command('list')
    .description('list the flags set in any environment, by name, with their gates')
    .option('--match <text>', 'only flags whose name contains this text')
    .option('--json', 'print as JSON (per flag, only the environments it is set in)')
    .action(async (opts: { match?: string; json?: boolean }) => {
      const { listFlags, flagListText } = await import('./feature-flag-listing');
      const { listings, skipped } = await listFlags(await resources().flagStore(), opts.match);
      if (skipped.length > 0) io.stderr(`warning: not shown, names that break the flag-name rule: ${skipped.map((name) => JSON.stringify(name)).join(', ')}`);
      io.stdout(opts.json ? JSON.stringify(listings, null, 2) : flagListText(listings, opts.match));
    });

  const set = changeOptions(
    withEnvironmentOptions(
      feature
        .command('set')
        .description('set a gate: true, false (clears every gate) or a percentage with --actors/--random; production unless an environment is named')
        .argument('<flag>')
        .argument('<value>', 'true | false | an integer percentage 0-100')
        .option('--actors', 'the percentage is of actors (the same actors keep the feature as it grows)')
        .option('--random', 'the percentage is of time (deprecated: needs --ignore-random-deprecation-check, except 0 and 100)')
        .option('--ignore-random-deprecation-check', 'allow --random with a percentage from 1 to 99'),
    ),
  );
  for (const { option, what } of ACTOR_OPTIONS) {
    set.option(`${option} <names>`, `with true: add actor gates for these ${what}, with false: remove them (comma-separated, repeatable)`, accumulateList);
  }
  set
    .option('--feature-group <names>', 'with true: add Flipper group gates, with false: remove them (comma-separated, repeatable)', accumulateList)
    .action(async (flag: string, value: string, opts: FeatureSetOptions & ChangeOptions) => {
      checkFlagName(flag);
      const change = featureSetChange(flag, value, opts);
      const environments = targetEnvironments(opts);
      const command = featureSetCommandText(flag, value, opts);
      await manualChange({ flag, action: 'set', change, environments, command }, opts);
    });

  changeOptions(
    withEnvironmentOptions(feature.command('delete').description('remove <flag> from the named environments (production by default)').argument('<flag>')),
  ).action(async (flag: string, opts: EnvironmentOptions & ChangeOptions) => {
    checkFlagName(flag);
    const environments = targetEnvironments(opts);
    const command = featureDeleteCommandText(flag, opts);
    await manualChange({ flag, action: 'delete', change: { kind: 'restore', gates: null }, environments, command }, opts);
  });

  feature
    .command('log')
    .description('the manual changes of <flag> (feature set|delete), oldest first: when, environment, who, the command, before → after')
    .argument('<flag>')
    .option('--limit <n>', 'the latest n changes', positiveInteger, 20)
    .option('--json', 'print as JSON')
    .action(async (flag: string, opts: { limit: number; json?: boolean }) => {
      checkFlagName(flag);
      const [{ RedisAuditLog }, { auditLogText }] = await Promise.all([import('../flags/audit-log'), import('./feature-log-text')]);
      const audit = new RedisAuditLog(await resources().redisClient(), { prefix: resources().config.flagKeyPrefix });
      const entries = await audit.latest(flag, opts.limit);
      io.stdout(opts.json ? JSON.stringify(entries, null, 2) : auditLogText(flag, entries));
    });

  async function manualChange(request: Omit<ManualChange, 'by' | 'force'>, opts: ChangeOptions): Promise<void> {
    const [{ changeAuthor }, { makeManualChange }] = await Promise.all([import('./feature-change-author'), import('./feature-change')]);
    await makeManualChange({ ...request, by: changeAuthor(opts.by), force: opts.force === true }, resources(), io);
  }

  return feature;
}

function withEnvironmentOptions(command: Command): Command {
  for (const { option, env } of ENVIRONMENT_OPTIONS) {
    command.option(option, isEnvironment(env) ? `the ${env} environment` : `ChatOps's ${env} environment: not managed by this project, refused`);
  }
  return command;
}

function changeOptions(command: Command): Command {
  return command
    .option('--by <user>', `who makes the change, for the audit trail (default: $${ROLLOUT_USER_ENV}, else $USER)`)
    .option('--force', 'change the flag even while a rollout of it is running, or when Temporal cannot say');
}
