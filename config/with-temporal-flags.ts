// Applies the CLI's --address, --namespace and --profile to a configuration that was loaded without them.
import { ConfigError, type AppConfig } from './load-config';
import { isTemporalAddress, loadTemporalSettings, TEMPORAL_ADDRESS_RULE, type TemporalFlags } from './temporal-settings';

/**
 * The configuration with the flags winning: --address and --namespace replace those settings; --profile resolves the
 * Temporal settings again from `env` with that profile (the task queue stays). No flags: the configuration as it is.
 */
export function withTemporalFlags(config: AppConfig, flags: TemporalFlags, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const { address, namespace, profile } = flags;
  if (address === undefined && namespace === undefined && profile === undefined) return config;
  let temporal = config.temporal;
  if (profile !== undefined) {
    const loaded = loadTemporalSettings(env, flags);
    if (!loaded.settings) throw new ConfigError(`invalid Temporal settings:\n  ${loaded.problems.join('\n  ')}`);
    temporal = { ...loaded.settings, taskQueue: config.temporal.taskQueue };
  }
  if (address !== undefined && !isTemporalAddress(address)) throw new ConfigError(`--address ${JSON.stringify(address)}: ${TEMPORAL_ADDRESS_RULE}`);
  if (namespace === '') throw new ConfigError('--namespace "": must be a namespace name');
  return { ...config, temporal: { ...temporal, ...(address !== undefined ? { address } : {}), ...(namespace !== undefined ? { namespace } : {}) } };
}
