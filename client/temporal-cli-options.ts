// The Temporal connection options every `rollout` command takes (--address, --namespace, --profile), before or after the command's name.
import { Option, type Command } from 'commander';
import type { TemporalFlags } from '../config/temporal-settings';

const TEMPORAL_OPTIONS = [
  {
    key: 'address',
    flags: '--address <host:port>',
    description: "Temporal frontend (default: $TEMPORAL_ADDRESS, else the profile's address, else localhost:7233)",
  },
  {
    key: 'namespace',
    flags: '--namespace <namespace>',
    description: "Temporal namespace (default: $TEMPORAL_NAMESPACE, else the profile's namespace, else default)",
  },
  {
    key: 'profile',
    flags: '--profile <name>',
    description: "profile of Temporal's config file, $TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml (default: $TEMPORAL_PROFILE, else default)",
  },
] as const;

/**
 * Adds the options to `program` (shown in its help) and, hidden, to every command without subcommands that does not
 * use the same name for something else (`feature set --namespace` names a GitLab namespace: there, give the Temporal
 * namespace before the command, `rollout --namespace prod feature set …`). Subcommand help lists them as global
 * options. Call once every command is added; `onParsed` gets the flags before the command's action runs.
 */
export function addTemporalOptions(program: Command, onParsed: (flags: TemporalFlags) => void): void {
  const ours = new WeakMap<Command, Set<string>>();
  const add = (command: Command, hidden: boolean) => {
    const taken = new Set(command.options.map((option) => option.long));
    const keys = new Set<string>();
    for (const { key, flags, description } of TEMPORAL_OPTIONS) {
      const option = new Option(flags, description);
      if (taken.has(option.long)) continue;
      command.addOption(hidden ? option.hideHelp() : option);
      keys.add(key);
    }
    ours.set(command, keys);
  };
  // Program options stop at the command's name, so `feature set --namespace` reaches `feature set`.
  program.enablePositionalOptions();
  add(program, false);
  const visit = (command: Command) => {
    command.configureHelp({ ...command.configureHelp(), showGlobalOptions: true });
    if (command.commands.length === 0) add(command, true);
    for (const child of command.commands) visit(child);
  };
  for (const command of program.commands) visit(command);
  program.addHelpText(
    'after',
    '\nTemporal connection: flags win over TEMPORAL_* variables, which win over the profile. TLS, mutual TLS, API key and gRPC ' +
      'metadata come from TEMPORAL_TLS*, TEMPORAL_API_KEY, TEMPORAL_GRPC_META_* or the profile (docs/connections.md).',
  );

  program.hook('preAction', (_program, actionCommand) => {
    const chain: Command[] = [];
    for (let command: Command | null = actionCommand; command; command = command.parent) chain.unshift(command);
    const flags: TemporalFlags = {};
    for (const command of chain) {
      const values = command.opts<Record<string, unknown>>();
      for (const key of ours.get(command) ?? []) {
        const value = values[key];
        if (typeof value === 'string') flags[key as keyof TemporalFlags] = value;
        // The command's action sees its options as before (e.g. `list` passes the rest of its options on as filters).
        delete values[key];
      }
    }
    onParsed(flags);
  });
}
