// Turns the configuration into Temporal connection options (API key and TLS only when configured).
import type { AppConfig } from './load-config';

export function temporalConnectionOptions(config: AppConfig): { address: string; tls?: boolean; apiKey?: string } {
  const { address, tls, apiKey } = config.temporal;
  return { address, ...(tls ? { tls: true } : {}), ...(apiKey ? { apiKey } : {}) };
}
