// The `rollout` command line: start, inspect, approve, reject and abort rollouts; read and set flags.
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type AppConfig } from '../config/load-config';
import { ENVIRONMENTS } from '../flags/environments';
import { emptyGates } from '../flags/flag-gates';
import { parsePlan } from '../plan/parse-plan';
import { loadPlanFile } from '../plan/load-plan-file';
import { READINESS_ITEMS, READINESS_ITEM_IDS, type ReadinessItem } from '../plan/readiness-items';
import { GATES } from '../workflows/rollout-status';
import { positiveInteger } from './cli-arguments';
import { CliResources } from './cli-resources';
import { featureSetChange, targetEnvironments, UsageError, type FeatureSetOptions } from './feature-set-arguments';
import { formatRolloutList, formatStatus } from './format-status';
import { trafficCommand } from './traffic-command';
import type { DecisionAck } from './rollout-client';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Runs one CLI invocation (`argv` without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo, config?: AppConfig): Promise<number> {
  let resources: CliResources | null = null;
  const lazy = (): CliResources => (resources ??= new CliResources(config ?? loadConfig()));
  const program = buildProgram(io, lazy);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await (resources as CliResources | null)?.close();
  }
}

function buildProgram(io: CliIo, resources: () => CliResources): Command {
  const program = new Command('rollout')
    .description('Durable feature-flag rollouts on Temporal')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)');

  program
    .command('start')
    .description('start the rollout of <flag> (workflow id rollout-<flag>)')
    .argument('<flag>', 'feature flag name')
    .option('--plan <file>', 'rollout plan (YAML or JSON); defaults apply to every field left out')
    .option('--requested-by <user>', 'who requests the rollout (overrides the plan\'s requester)')
    .action(async (flag: string, opts: { plan?: string; requestedBy?: string }) => {
      const overrides = { flag, requestedBy: opts.requestedBy };
      const plan = opts.plan ? loadPlanFile(opts.plan, overrides) : parsePlan({ flag }, overrides);
      const workflowId = await (await resources().rollouts()).start(plan);
      io.stdout(workflowId);
    });

  program
    .command('status')
    .description('show the stage, state, pending gate, guard reading and steps of a rollout (also after it ended)')
    .argument('<flag>')
    .option('--json', 'print the status as JSON')
    .action(async (flag: string, opts: { json?: boolean }) => {
      const status = await (await resources().rollouts()).status(flag);
      io.stdout(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    });

  program
    .command('list')
    .description('list rollouts, newest first: running ones, or all recent ones with --all')
    .option('--all', 'include ended rollouts')
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .option('--json', 'print as JSON')
    .action(async (opts: { all?: boolean; limit: number; json?: boolean }) => {
      const rows = await (await resources().rollouts()).list({ all: opts.all, limit: opts.limit });
      io.stdout(opts.json ? JSON.stringify(rows, null, 2) : formatRolloutList(rows));
    });

  program
    .command('approve')
    .description('approve the pending gate')
    .argument('<flag>')
    .addOption(new Option('--gate <gate>', 'the gate to approve').choices(GATES).makeOptionMandatory())
    .requiredOption('--by <user>', 'who approves (an approver of the plan, not the requester)')
    .option('--comment <text>', 'QA result or note')
    .option('--confirm <items>', `readiness items confirmed, comma-separated (global-readiness): ${READINESS_ITEM_IDS.join(',')}`)
    .addHelpText('after', `\nReadiness items:\n${READINESS_ITEM_IDS.map((id) => `  ${id.padEnd(18)} ${READINESS_ITEMS[id]}`).join('\n')}`)
    .action(async (flag: string, opts: { gate: string; by: string; comment?: string; confirm?: string }) => {
      const confirmed = parseReadiness(opts.confirm);
      const ack = await (await resources().rollouts()).approve(flag, { gate: opts.gate, by: opts.by, comment: opts.comment, confirmed });
      reportAck(io, ack, `${opts.gate} approved by ${opts.by}`);
    });

  program
    .command('reject')
    .description('reject the pending gate; the rollout rolls back')
    .argument('<flag>')
    .addOption(new Option('--gate <gate>', 'the gate to reject').choices(GATES).makeOptionMandatory())
    .requiredOption('--by <user>', 'who rejects (an approver or the requester)')
    .requiredOption('--reason <text>', 'why')
    .action(async (flag: string, opts: { gate: string; by: string; reason: string }) => {
      const ack = await (await resources().rollouts()).reject(flag, opts);
      reportAck(io, ack, `${opts.gate} rejected by ${opts.by}; rolling back`);
    });

  program
    .command('abort')
    .description('abort a rollout at any stage; every touched environment is restored')
    .argument('<flag>')
    .requiredOption('--by <user>', 'who aborts')
    .requiredOption('--reason <text>', 'why')
    .action(async (flag: string, opts: { by: string; reason: string }) => {
      await (await resources().rollouts()).abort(flag, opts);
      io.stdout(`abort sent to rollout-${flag}; see \`rollout status ${flag}\``);
    });

  const feature = program.command('feature').description('read and change flag gates directly (chatops syntax)');
  feature
    .command('get')
    .description('show the gates of <flag> in every environment')
    .argument('<flag>')
    .option('--json', 'print as JSON')
    .action(async (flag: string, opts: { json?: boolean }) => {
      const store = resources().flagStore();
      const environments: Record<string, unknown> = {};
      for (const env of ENVIRONMENTS) environments[env] = (await store.get(flag, env)) ?? emptyGates();
      io.stdout(opts.json ? JSON.stringify({ flag, environments }, null, 2) : formatGatesTable(flag, environments));
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
    const store = resources().flagStore();
    for (const env of targetEnvironments(opts)) {
      const { current } = await store.apply(flag, env, change);
      io.stdout(`${env}: ${JSON.stringify(current)}`);
    }
  });
  withEnvironmentOptions(
    feature.command('delete').description('remove <flag> from the named environments (production by default)').argument('<flag>'),
  ).action(async (flag: string, opts: FeatureSetOptions) => {
    const store = resources().flagStore();
    for (const env of targetEnvironments(opts)) {
      await store.delete(flag, env);
      io.stdout(`${env}: deleted`);
    }
  });

  program.addCommand(trafficCommand(() => resources().config, io.stdout).copyInheritedSettings(program));

  return program;
}

function withEnvironmentOptions(command: Command): Command {
  return command
    .option('--dev', 'the dev environment')
    .option('--staging', 'the staging environment')
    .option('--staging-ref', 'the staging-ref environment')
    .option('--production', 'the production environment');
}

function parseReadiness(text: string | undefined): ReadinessItem[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = items.filter((item) => !(READINESS_ITEM_IDS as string[]).includes(item));
  if (unknown.length > 0) {
    throw new UsageError(`--confirm: unknown readiness item(s) ${unknown.join(', ')}; allowed: ${READINESS_ITEM_IDS.join(', ')}`);
  }
  return items as ReadinessItem[];
}

function reportAck(io: CliIo, ack: DecisionAck, accepted: string): void {
  if (ack.outcome === 'accepted') return io.stdout(accepted);
  throw new Error(ack.outcome === 'refused' ? `refused: ${ack.reason}` : ack.reason);
}

function formatGatesTable(flag: string, environments: Record<string, unknown>): string {
  const lines = [`${flag}`];
  for (const [env, gates] of Object.entries(environments)) lines.push(`  ${env.padEnd(12)} ${JSON.stringify(gates)}`);
  return lines.join('\n');
}
