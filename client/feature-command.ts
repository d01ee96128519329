// `rollout feature get|set|delete`: read and change flag gates directly, in ChatOps syntax.
import { Command } from 'commander';
import { ENVIRONMENTS } from '../flags/environments';
import { emptyGates } from '../flags/flag-gates';
import type { RedisFlagStore } from '../flags/redis-flag-store';
import { featureSetChange, targetEnvironments, type FeatureSetOptions } from './feature-set-arguments';

export function featureCommand(flagStore: () => Promise<RedisFlagStore>, print: (line: string) => void): Command {
  const feature = new Command('feature').description('read and change flag gates directly (chatops syntax)');
  feature
    .command('get')
    .description('show the gates of <flag> in every environment')
    .argument('<flag>')
    .option('--json', 'print as JSON')
    .action(async (flag: string, opts: { json?: boolean }) => {
      const store = await flagStore();
      const environments: Record<string, unknown> = {};
      for (const env of ENVIRONMENTS) environments[env] = (await store.get(flag, env)) ?? emptyGates();
      print(opts.json ? JSON.stringify({ flag, environments }, null, 2) : formatGatesTable(flag, environments));
    });
  withEnvironmentOptions(
    feature
      .command('set')
      .description('set a gate: true, false (clears every gate) or a percentage; production unless an environment is named')
      .argument('<flag>')
      .argument('<value>', 'true | false | percentage 0-100')
      .option('--actors', 'percentage of actors')
      .option('--random', 'percentage of time (the default for a percentage)')
      .option('--project <paths>', 'enable for projects, comma-separated (e.g. gitlab-org/gitlab)')
      .option('--group <paths>', 'enable for groups, comma-separated')
      .option('--user <names>', 'enable for users, comma-separated'),
  ).action(async (flag: string, value: string, opts: FeatureSetOptions) => {
    const change = featureSetChange(value, opts);
    const store = await flagStore();
    for (const env of targetEnvironments(opts)) {
      const { current } = await store.apply(flag, env, change);
      print(`${env}: ${JSON.stringify(current)}`);
    }
  });
  withEnvironmentOptions(
    feature.command('delete').description('remove <flag> from the named environments (production by default)').argument('<flag>'),
  ).action(async (flag: string, opts: FeatureSetOptions) => {
    const store = await flagStore();
    for (const env of targetEnvironments(opts)) {
      await store.delete(flag, env);
      print(`${env}: deleted`);
    }
  });
  return feature;
}

function withEnvironmentOptions(command: Command): Command {
  return command
    .option('--dev', 'the dev environment')
    .option('--staging', 'the staging environment')
    .option('--staging-ref', 'the staging-ref environment')
    .option('--production', 'the production environment');
}

function formatGatesTable(flag: string, environments: Record<string, unknown>): string {
  const lines = [`${flag}`];
  for (const [env, gates] of Object.entries(environments)) lines.push(`  ${env.padEnd(12)} ${JSON.stringify(gates)}`);
  return lines.join('\n');
}
