// The `rollout` command line: start, inspect, approve, reject and abort rollouts; read and set flags.
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type AppConfig } from '../config/load-config';
import type { TemporalFlags } from '../config/temporal-settings';
import { withTemporalFlags } from '../config/with-temporal-flags';
import { InvalidFlagInput } from '../flags/invalid-flag-input';
import { PlanValidationError } from '../plan/plan-validation-error';
import { positiveInteger } from './cli-arguments';
import { SigningKeyError } from '../signing/signing-key-error';
import { KEYRING_ENV } from './keyring-env';
import { CliError, EXIT_CODES, ExitWithCode } from './cli-errors';
import { CliResources } from './cli-resources';
import { decisionCommands } from './decision-commands';
import { featureCommand } from './feature-command';
import { keysCommand } from './keys-command';
import { flagsCommand } from './migrate-flags-command';
import { formatRolloutList, formatStatus } from './format-status';
import { GATE_FILTERS, type RolloutListFilter } from './rollout-list-query';
import { ROLLOUT_STATES } from './rollout-states';
import { reportCommand } from './report-command';
import { simulateCommand } from './simulate-command';
import { addTemporalOptions } from './temporal-cli-options';
import { trafficCommand } from './traffic-command';
import { followUntilEnd, intervalOption, watchCommand } from './watch-command';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (`watch` redraws in place there). */
  stdoutIsTty?: boolean;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  stdoutIsTty: process.stdout.isTTY === true,
};

/**
 * Runs one CLI invocation (`argv` without node and script) and returns the exit code (see EXIT_CODES). Without
 * `config` the configuration comes from the environment; either way --address, --namespace and --profile win.
 */
export async function runCli(argv: string[], io: CliIo = processIo, config?: AppConfig): Promise<number> {
  let resources: CliResources | null = null;
  let flags: TemporalFlags = {};
  const lazy = (): CliResources =>
    (resources ??= new CliResources(config ? withTemporalFlags(config, flags) : loadConfig(process.env, { temporal: flags })));
  const program = buildProgram(io, lazy);
  addTemporalOptions(program, (parsed) => (flags = parsed));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the problem (or the help); only a help or version request is a success.
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code) ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const failure = asCliError(err, resources);
    if (!(failure instanceof ExitWithCode)) io.stderr(`error: ${failure.message}`);
    return failure.exitCode;
  } finally {
    await (resources as CliResources | null)?.close();
  }
}

function asCliError(err: unknown, resources: CliResources | null): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof PlanValidationError || err instanceof ConfigError || err instanceof InvalidFlagInput || err instanceof SigningKeyError) {
    return new CliError(message, EXIT_CODES.usage);
  }
  return resources?.unreachable(err) ?? new CliError(message, EXIT_CODES.error);
}

function buildProgram(io: CliIo, resources: () => CliResources): Command {
  const program = new Command('rollout')
    .description('Durable feature-flag rollouts on Temporal')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT_CODES.ok} done, ${EXIT_CODES.error} unexpected error, ${EXIT_CODES.usage} usage error, ${EXIT_CODES.refused} refused, ` +
        `${EXIT_CODES.notFound} no such rollout, ${EXIT_CODES.unreachable} Temporal or Redis unreachable, ${EXIT_CODES.noAnswer} no worker answered in time; ` +
        `watch and status --follow: ${EXIT_CODES.ok} completed, ${EXIT_CODES.rolledBack} rolled back, ${EXIT_CODES.rollbackFailed} rollback failed`,
    );

  program
    .command('start')
    .description('start the rollout of <flag> (workflow id rollout-<flag>)')
    .argument('<flag>', 'feature flag name')
    .option('--plan <file>', 'rollout plan (YAML or JSON); defaults apply to every field left out')
    .option('--requested-by <user>', 'who requests the rollout (overrides the plan\'s requester)')
    .option('--keyring <file>', `public keys of the plan's people, YAML {keys: {alice: "ed25519:…"}} (default: $${KEYRING_ENV})`)
    .option('--no-wait', 'refuse to start when another rollout holds the plan\'s exclusive group (instead of waiting its turn)')
    .action(async (flag: string, opts: { plan?: string; requestedBy?: string; keyring?: string; wait: boolean }) => {
      // Loaded here, not at the top: the plan schema, YAML and the keyring reader are only for `start`.
      const [{ parsePlan }, { loadPlanFile }, { planForStart }] = await Promise.all([
        import('../plan/parse-plan'),
        import('../plan/load-plan-file'),
        import('./plan-for-start'),
      ]);
      const overrides = { flag, requestedBy: opts.requestedBy };
      const loaded = opts.plan ? loadPlanFile(opts.plan, overrides) : parsePlan({ flag }, overrides);
      const plan = planForStart(loaded, opts.keyring ?? process.env[KEYRING_ENV]);
      const rollouts = await resources().rollouts();
      if (plan.exclusive && !opts.wait) {
        const holders = await rollouts.holdersOf(plan.exclusive);
        if (holders.length > 0) throw new CliError(`exclusive group ${plan.exclusive} is held by ${holders.join(', ')}; not started (--no-wait)`, EXIT_CODES.refused);
      }
      const workflowId = await rollouts.start(plan);
      io.stdout(workflowId);
    });

  program
    .command('status')
    .description('show the stage, state, pending gate, guard reading and steps of a rollout (also after it ended)')
    .argument('<flag>')
    .option('--json', 'print the status as JSON')
    .addOption(new Option('--follow', 'follow the rollout until it ends, as `rollout watch` does').conflicts('json'))
    .addOption(intervalOption())
    .action(async (flag: string, opts: { json?: boolean; follow?: boolean; interval: number }) => {
      const rollouts = await resources().rollouts();
      if (opts.follow) return followUntilEnd(rollouts, flag, opts.interval, io);
      const status = await rollouts.status(flag);
      io.stdout(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    });

  program.addCommand(watchCommand(() => resources().rollouts(), io).copyInheritedSettings(program));

  program
    .command('list')
    .description('list rollouts, newest first, from Temporal visibility (no worker needed): running ones, or all recent ones with --all')
    .option('--all', 'include ended rollouts')
    .option('--flag <name>', 'only rollouts of this flag')
    .option('--state <state>', `only rollouts in this state (${ROLLOUT_STATES.join(', ')}); a final one lists ended rollouts`)
    .option('--gate <gate>', `only rollouts waiting at this gate (${GATE_FILTERS.join(', ')})`)
    .option('--requester <user>', 'only rollouts requested by this user')
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .option('--json', 'print as JSON')
    .action(async (opts: RolloutListFilter & { limit: number; json?: boolean }) => {
      const { limit, json, ...filter } = opts;
      const rows = await (await resources().rollouts()).list(filter, limit);
      io.stdout(json ? JSON.stringify(rows, null, 2) : formatRolloutList(rows));
    });

  for (const command of decisionCommands(() => resources().rollouts(), io.stdout, io.stderr)) program.addCommand(command.copyInheritedSettings(program));
  program.addCommand(keysCommand(io).copyInheritedSettings(program));
  program.addCommand(featureCommand(resources, io).copyInheritedSettings(program));
  program.addCommand(flagsCommand(resources, io).copyInheritedSettings(program));
  program.addCommand(trafficCommand(() => resources().config, io.stdout).copyInheritedSettings(program));
  program.addCommand(reportCommand(() => resources().rollouts(), () => resources().config, io).copyInheritedSettings(program));
  program.addCommand(simulateCommand(io).copyInheritedSettings(program));
  return program;
}
