// Turns the configuration into Temporal connection options for the client and the worker: address, API key, TLS with its PEM files read now, gRPC metadata.
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, type AppConfig } from './load-config';
import { readPem } from './pem-source';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  /** Secret. */
  apiKey?: string;
  /** May hold secrets (e.g. an authorization header). */
  metadata?: Record<string, string>;
}

/**
 * Options for `Connection.connect` and `NativeConnection.connect`. Certificate and key files are read here (loadConfig
 * has already checked them), so a rotated certificate is picked up by the next connection; one that has become
 * unreadable since is a ConfigError naming the setting and the file.
 */
export function temporalConnectionOptions(config: AppConfig): TemporalConnectionOptions {
  const { address, tls, apiKey, grpcMeta } = config.temporal;
  return {
    address,
    ...(tls ? { tls: tlsConfigOf(tls) } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(Object.keys(grpcMeta).length > 0 ? { metadata: { ...grpcMeta } } : {}),
  };
}

function tlsConfigOf(tls: Exclude<AppConfig['temporal']['tls'], false>): TLSConfig {
  try {
    return {
      ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.serverCaCert ? { serverRootCACertificate: readPem(tls.serverCaCert) } : {}),
      ...(tls.clientCert && tls.clientKey ? { clientCertPair: { crt: readPem(tls.clientCert), key: readPem(tls.clientKey) } } : {}),
    };
  } catch (err) {
    throw new ConfigError(`Temporal TLS: ${(err as Error).message}`);
  }
}
