// Resolves how to reach Temporal like Temporal's own tools: a profile of the TOML config file, overridden by TEMPORAL_* variables, overridden by CLI flags.
import { fromTomlProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { tomlLoadClientConfigProfile, type TomlClientConfigProfile } from '@temporalio/envconfig/lib/envconfig-toml';
import { checkKeyPair, describePemSource, readCertificate, readPrivateKey, type PemSource } from './pem-source';
import { readTemporalConfigFile, type TemporalConfigFile } from './temporal-config-file';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** TLS towards Temporal: `{}` trusts the system's CAs and sends no client certificate. */
export interface TemporalTls {
  /** Name to verify the server's certificate against (and SNI) instead of the address's host. */
  serverName?: string;
  /** CA to trust for the server's certificate instead of the system's. */
  serverCaCert?: PemSource;
  /** Client certificate and its key for mutual TLS (both or neither). The key is secret: never logged. */
  clientCert?: PemSource;
  clientKey?: PemSource;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Secret: passed to the connection only, never logged or put in workflow input. */
  apiKey?: string;
  /** false: plaintext. */
  tls: TemporalTls | false;
  /** gRPC metadata sent with every call (TEMPORAL_GRPC_META_*, profile grpc_meta); values may be secrets, never logged. */
  grpcMeta: Record<string, string>;
  /** The profile used and the file it came from, when a config file was found. */
  profile?: { name: string; file: string };
}

/** Command-line flags, which win over the environment and the profile. */
export interface TemporalFlags {
  address?: string;
  namespace?: string;
  profile?: string;
}

const VARIABLES = {
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  apiKey: 'TEMPORAL_API_KEY',
  tls: 'TEMPORAL_TLS',
  clientCertPath: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  clientCertData: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
  clientKeyPath: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  clientKeyData: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
  serverCaPath: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  serverCaData: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  serverName: 'TEMPORAL_TLS_SERVER_NAME',
  disableHostVerification: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
} as const;
const GRPC_META_PREFIX = 'TEMPORAL_GRPC_META_';
const BOOLEAN_VALUES = ['true', 'false', '1', '0'];
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;
export const TEMPORAL_ADDRESS_RULE = 'must be host:port, e.g. localhost:7233';

export function isTemporalAddress(value: unknown): value is string {
  return typeof value === 'string' && ADDRESS.test(value);
}

/** Variables whose values are never shown, not even when they are invalid. */
function isTemporalSecretVariable(name: string): boolean {
  return name === VARIABLES.apiKey || name === VARIABLES.clientKeyData || name === 'TEMPORAL_CODEC_AUTH' || name.startsWith(GRPC_META_PREFIX);
}

/**
 * The Temporal settings of this environment (plus flags), or the problems with them: each problem is one line naming
 * the variable, flag, profile or file that is wrong and what is allowed. Reads the config file and checks every
 * certificate and key file (readable, PEM, key matches certificate) so that bad settings fail before anything connects.
 */
export function loadTemporalSettings(env: NodeJS.ProcessEnv, flags: TemporalFlags = {}): { settings?: TemporalSettings; problems: string[] } {
  const problems: string[] = [];
  for (const name of [VARIABLES.address, VARIABLES.namespace, VARIABLES.apiKey, 'TEMPORAL_PROFILE']) {
    if (env[name] === '') problems.push(`${name}=${isTemporalSecretVariable(name) ? '(hidden)' : '""'}: must not be empty (unset it instead)`);
  }
  for (const name of [VARIABLES.tls, VARIABLES.disableHostVerification]) {
    const value = env[name];
    if (value !== undefined && !BOOLEAN_VALUES.includes(value)) problems.push(`${name}=${JSON.stringify(value)}: must be true or false (or 1 or 0)`);
  }
  for (const [name, value] of [['--address', flags.address], ['--namespace', flags.namespace], ['--profile', flags.profile]] as const) {
    if (value === '') problems.push(`${name} "": must not be empty`);
  }
  if (problems.length > 0) return { problems };

  let file: TemporalConfigFile;
  try {
    file = readTemporalConfigFile(env);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const requested = flags.profile ?? env.TEMPORAL_PROFILE;
  const profileName = requested ?? 'default';
  const fromProfile = Object.hasOwn(file.profiles, profileName);
  if (requested !== undefined && !fromProfile) {
    const how = flags.profile !== undefined ? `--profile ${requested}` : `TEMPORAL_PROFILE=${JSON.stringify(requested)}`;
    const where = file.found ? `${file.path}, which has ${profileList(file)}` : `${file.path ?? 'the default location'} (no such file; TEMPORAL_CONFIG_FILE names another)`;
    return { problems: [`${how}: no profile "${requested}" in the Temporal config file ${where}`] };
  }

  let raw: TomlClientConfigProfile;
  try {
    raw = tomlLoadClientConfigProfile({
      ...(fromProfile ? { configSource: { data: file.text }, profile: profileName } : { disableFile: true }),
      overrideEnvVars: env as Record<string, string>,
    });
  } catch (err) {
    return { problems: [`Temporal profile "${profileName}": ${(err as Error).message}`] };
  }
  // Names where a value was set, for messages: the variable, or the key of the profile in its file (Temporal's TOML notation).
  const origin = (variable: string, tomlKey: string) => (env[variable] !== undefined ? variable : `${file.path ?? 'config file'}: profile.${profileName}.${tomlKey}`);

  let profile: ClientConfigProfile;
  try {
    profile = fromTomlProfile(raw);
  } catch (err) {
    // envconfig's only complaint here: a setting given both as a path and as inline data.
    return { problems: [`Temporal profile "${profileName}" with the TEMPORAL_TLS_* variables: ${(err as Error).message} (set one)`] };
  }

  const address = flags.address ?? profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!isTemporalAddress(address)) {
    problems.push(`${flags.address !== undefined ? '--address ' : `${origin(VARIABLES.address, 'address')}=`}${JSON.stringify(address)}: ${TEMPORAL_ADDRESS_RULE}`);
  }
  const namespace = flags.namespace ?? profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  if (typeof namespace !== 'string' || namespace === '') problems.push(`${origin(VARIABLES.namespace, 'namespace')}=${JSON.stringify(namespace)}: must be a namespace name`);
  if (profile.apiKey !== undefined && (typeof profile.apiKey !== 'string' || profile.apiKey === '')) problems.push(`${origin(VARIABLES.apiKey, 'api_key')}=(hidden): must be a non-empty API key`);

  const tls = resolveTls(raw, profile, origin, problems);
  const grpcMeta: Record<string, string> = {};
  for (const [key, value] of Object.entries(profile.grpcMeta ?? {})) {
    // Every "_" becomes "-" (TEMPORAL_GRPC_META_X_TENANT_ID is header x-tenant-id); envconfig 1.24 replaces only the first.
    if (typeof value !== 'string') problems.push(`${file.path ?? 'config file'}: profile.${profileName}.grpc_meta.${key}: must be a string`);
    else grpcMeta[key.replace(/_/g, '-')] = value;
  }
  if (problems.length > 0) return { problems };
  return {
    settings: {
      address,
      namespace,
      apiKey: profile.apiKey,
      tls,
      grpcMeta,
      ...(fromProfile && file.path ? { profile: { name: profileName, file: file.path } } : {}),
    },
    problems,
  };
}

function resolveTls(
  raw: TomlClientConfigProfile,
  profile: ClientConfigProfile,
  origin: (variable: string, tomlKey: string) => string,
  problems: string[],
): TemporalTls | false {
  const given = profile.tls;
  // As envconfig's toClientOptions: any TLS setting turns TLS on unless it is disabled; an API key alone turns it on.
  if (given === undefined) return profile.apiKey !== undefined ? {} : false;
  if (given.disabled === true) return false;
  if (raw.tls?.disable_host_verification === true) {
    problems.push(
      `${origin(VARIABLES.disableHostVerification, 'tls.disable_host_verification')}: the Temporal TypeScript SDK cannot turn off host name verification; ` +
        `set ${VARIABLES.serverName} (or tls.server_name) to a name in the server's certificate instead`,
    );
  }
  const source = (given: { path: string } | { data: string | Uint8Array } | undefined, pathVariable: string, dataVariable: string, tomlKey: string): PemSource | undefined => {
    if (given === undefined) return undefined;
    if ('path' in given) return { origin: origin(pathVariable, `tls.${tomlKey}_path`), file: given.path };
    return { origin: origin(dataVariable, `tls.${tomlKey}_data`), data: typeof given.data === 'string' ? given.data : Buffer.from(given.data).toString() };
  };
  const clientCert = source(given.clientCert, VARIABLES.clientCertPath, VARIABLES.clientCertData, 'client_cert');
  const clientKey = source(given.clientKey, VARIABLES.clientKeyPath, VARIABLES.clientKeyData, 'client_key');
  const serverCaCert = source(given.serverCACert, VARIABLES.serverCaPath, VARIABLES.serverCaData, 'server_ca_cert');
  const attempt = (check: () => void) => {
    try {
      check();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  if (serverCaCert) attempt(() => readCertificate(serverCaCert));
  if (clientCert && !clientKey) problems.push(`${describePemSource(clientCert)}: a client certificate needs its private key too (${VARIABLES.clientKeyPath} or tls.client_key_path)`);
  if (clientKey && !clientCert) problems.push(`${describePemSource(clientKey)}: a client key needs its certificate too (${VARIABLES.clientCertPath} or tls.client_cert_path)`);
  if (clientCert && clientKey) attempt(() => checkKeyPair(clientCert, clientKey));
  else if (clientCert) attempt(() => readCertificate(clientCert));
  else if (clientKey) attempt(() => readPrivateKey(clientKey));
  return {
    ...(given.serverName !== undefined ? { serverName: given.serverName } : {}),
    ...(serverCaCert ? { serverCaCert } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(clientKey ? { clientKey } : {}),
  };
}

function profileList(file: TemporalConfigFile): string {
  const names = Object.keys(file.profiles);
  return names.length === 0 ? 'no profiles' : `profiles ${names.map((name) => `"${name}"`).join(', ')}`;
}

/** The settings for logs and describeConfig: where they came from, TLS by file name, never a key, API key or metadata value. */
export function describeTemporalSettings(settings: TemporalSettings): Record<string, string> {
  const tls = settings.tls;
  return {
    temporalProfile: settings.profile ? `${settings.profile.name} (${settings.profile.file})` : '(none)',
    temporalApiKey: settings.apiKey ? '(set)' : '(not set)',
    temporalTls:
      tls === false
        ? 'false'
        : [
            'true',
            tls.serverCaCert ? `server CA ${describePemSource(tls.serverCaCert)}` : 'system CAs',
            ...(tls.clientCert ? [`client certificate ${describePemSource(tls.clientCert)}`] : []),
            ...(tls.serverName ? [`server name ${tls.serverName}`] : []),
          ].join(', '),
    temporalGrpcMeta: Object.keys(settings.grpcMeta).join(',') || '(none)',
  };
}
