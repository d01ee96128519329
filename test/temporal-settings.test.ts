// Temporal connection settings like Temporal's own tools: profiles of the TOML file, TEMPORAL_* variables, flags; TLS files checked up front; secrets never shown.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ConfigError, describeConfig, loadConfig } from '../config/load-config';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import { withTemporalFlags } from '../config/with-temporal-flags';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';

let dir: string;
let certs: TestCertificates;
let otherCerts: TestCertificates;
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'temporal-settings-'));
  [certs, otherCerts] = await Promise.all([makeTestCertificates(join(dir, 'a')), makeTestCertificates(join(dir, 'b'), { caName: 'another CA' })]);
  configFile = join(dir, 'temporal.toml');
  writeFileSync(
    configFile,
    [
      '[profile.default]',
      'address = "temporal.internal:7233"',
      'namespace = "rollouts"',
      '',
      '[profile.prod]',
      'address = "prod.tmprl.example:7233"',
      'namespace = "prod-ns"',
      '[profile.prod.tls]',
      `client_cert_path = "${certs.clientCertFile}"`,
      `client_key_path = "${certs.clientKeyFile}"`,
      `server_ca_cert_path = "${certs.caFile}"`,
      'server_name = "localhost"',
      '[profile.prod.grpc_meta]',
      'x-team = "flags"',
      '',
      '[profile.cloud]',
      'address = "ns.acct.tmprl.cloud:7233"',
      'api_key = "cloud-secret-key"',
      '',
    ].join('\n'),
  );
});

/** The ConfigError loadConfig throws for `env`. */
function problemOf(env: NodeJS.ProcessEnv, flags = {}): string {
  try {
    loadConfig(env, { temporal: flags });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('where the settings come from', () => {
  it('keeps the project defaults without a config file or variables', () => {
    const { temporal } = loadConfig({});
    expect(temporal).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'flag-rollouts', apiKey: undefined, tls: false, grpcMeta: {} });
    expect(temporalConnectionOptions(loadConfig({}))).toEqual({ address: 'localhost:7233' });
  });

  it('reads the default profile of TEMPORAL_CONFIG_FILE, and the task queue still from TEMPORAL_TASK_QUEUE', () => {
    const { temporal } = loadConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_TASK_QUEUE: 'q1' });
    expect(temporal).toMatchObject({ address: 'temporal.internal:7233', namespace: 'rollouts', taskQueue: 'q1', tls: false, profile: { name: 'default', file: configFile } });
  });

  it("finds the file at Temporal's default path under XDG_CONFIG_HOME or HOME", () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(join(home, '.config', 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "from-home:7233"\n');
    expect(loadConfig({ HOME: home }).temporal.address).toBe('from-home:7233');
    expect(loadConfig({ HOME: '/nonexistent', XDG_CONFIG_HOME: join(home, '.config') }).temporal.address).toBe('from-home:7233');
    // No file at the default path: the defaults, no error.
    expect(loadConfig({ HOME: join(dir, 'nobody') }).temporal.address).toBe('localhost:7233');
  });

  it('TEMPORAL_PROFILE picks a profile; variables win over it; flags win over both', () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' };
    expect(loadConfig(env).temporal).toMatchObject({ address: 'prod.tmprl.example:7233', namespace: 'prod-ns', profile: { name: 'prod' } });
    expect(loadConfig({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'ns2' }).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'ns2' });
    const flagged = loadConfig({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:7233' }, { temporal: { address: 'flag-host:7233', namespace: 'flag-ns' } });
    expect(flagged.temporal).toMatchObject({ address: 'flag-host:7233', namespace: 'flag-ns', profile: { name: 'prod' } });
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'missing' }, { temporal: { profile: 'cloud' } }).temporal.address).toBe('ns.acct.tmprl.cloud:7233');
  });

  it('applies flags to a configuration loaded before (the CLI with a given configuration)', () => {
    const base = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1234', TEMPORAL_TASK_QUEUE: 'q9' });
    expect(withTemporalFlags(base, {})).toBe(base);
    expect(withTemporalFlags(base, { namespace: 'other' }).temporal).toMatchObject({ address: '127.0.0.1:1234', namespace: 'other', taskQueue: 'q9' });
    const profiled = withTemporalFlags(base, { profile: 'cloud' }, { TEMPORAL_CONFIG_FILE: configFile });
    expect(profiled.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'cloud-secret-key', tls: {}, taskQueue: 'q9' });
    expect(() => withTemporalFlags(base, { address: 'no-port' })).toThrow('--address "no-port": must be host:port, e.g. localhost:7233');
    expect(() => withTemporalFlags(base, { profile: 'nope' }, { TEMPORAL_CONFIG_FILE: configFile })).toThrow(/--profile nope: no profile "nope"/);
  });

  it('an API key turns TLS on (with the system CAs), as in Temporal\'s tools, unless TEMPORAL_TLS=false', () => {
    const cloud = loadConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud.temporal).toMatchObject({ apiKey: 'cloud-secret-key', tls: {} });
    expect(temporalConnectionOptions(cloud)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'cloud-secret-key', tls: {} });
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.tls).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: '1' }).temporal.tls).toEqual({});
  });

  it('sends gRPC metadata from the profile and TEMPORAL_GRPC_META_* (an empty value removes a header)', () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod', TEMPORAL_GRPC_META_X_TENANT_ID: 'gitlab', TEMPORAL_GRPC_META_X_TEAM: '' };
    const config = loadConfig(env);
    expect(config.temporal.grpcMeta).toEqual({ 'x-tenant-id': 'gitlab' });
    expect(temporalConnectionOptions(config).metadata).toEqual({ 'x-tenant-id': 'gitlab' });
  });
});

describe('mutual TLS settings', () => {
  it('reads client certificate, key, server CA and server name from the variables (TEMPORAL_TLS_CLIENT_CERT_PATH is no longer ignored)', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect(config.temporal.tls).toEqual({
      serverName: 'localhost',
      serverCaCert: { origin: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', file: certs.caFile },
      clientCert: { origin: 'TEMPORAL_TLS_CLIENT_CERT_PATH', file: certs.clientCertFile },
      clientKey: { origin: 'TEMPORAL_TLS_CLIENT_KEY_PATH', file: certs.clientKeyFile },
    });
    expect(temporalConnectionOptions(config)).toEqual({
      address: '127.0.0.1:7233',
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: readFileSync(certs.caFile),
        clientCertPair: { crt: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) },
      },
    });
  });

  it('takes inline PEM data too (TEMPORAL_TLS_*_DATA)', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_DATA: readFileSync(certs.clientCertFile, 'utf8'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(certs.clientKeyFile, 'utf8'),
    });
    expect(temporalConnectionOptions(config).tls?.clientCertPair?.key).toEqual(readFileSync(certs.clientKeyFile));
  });

  it('reads TLS from a profile, with the variables overriding single fields', () => {
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod', TEMPORAL_TLS_SERVER_NAME: 'other.name' });
    expect(config.temporal.tls).toMatchObject({
      serverName: 'other.name',
      clientCert: { origin: `${configFile}: profile.prod.tls.client_cert_path`, file: certs.clientCertFile },
    });
    expect(config.temporal.grpcMeta).toEqual({ 'x-team': 'flags' });
  });

  it('TEMPORAL_TLS=false turns TLS off even when a profile configures it', () => {
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod', TEMPORAL_TLS: 'false' }).temporal.tls).toBe(false);
  });
});

describe('bad settings are named and nothing connects', () => {
  it('a missing certificate file names the variable and the file', () => {
    const message = problemOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile });
    expect(message).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH=/nonexistent/client.pem: cannot read it (no such file)');
  });

  it('a key without a certificate, and a certificate without a key', () => {
    expect(problemOf({ TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile })).toContain(
      `TEMPORAL_TLS_CLIENT_KEY_PATH=${certs.clientKeyFile}: a client key needs its certificate too (TEMPORAL_TLS_CLIENT_CERT_PATH or tls.client_cert_path)`,
    );
    expect(problemOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile })).toContain(
      `TEMPORAL_TLS_CLIENT_CERT_PATH=${certs.clientCertFile}: a client certificate needs its private key too`,
    );
  });

  it("a key that is not the certificate's, a CA file that is not a certificate, an encrypted key", () => {
    expect(problemOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_PATH: otherCerts.clientKeyFile })).toContain(
      `TEMPORAL_TLS_CLIENT_KEY_PATH=${otherCerts.clientKeyFile} is not the private key of TEMPORAL_TLS_CLIENT_CERT_PATH=${certs.clientCertFile}`,
    );
    expect(problemOf({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.clientKeyFile })).toContain(
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH=${certs.clientKeyFile}: not a PEM certificate`,
    );
    const encrypted = join(dir, 'encrypted.key');
    execFileSync('openssl', ['pkey', '-in', certs.clientKeyFile, '-aes256', '-passout', 'pass:pw', '-out', encrypted]);
    expect(problemOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_PATH: encrypted })).toContain(
      `TEMPORAL_TLS_CLIENT_KEY_PATH=${encrypted}: an encrypted private key (give an unencrypted PEM key)`,
    );
  });

  it('an unknown profile names the profile, the file and the profiles it has', () => {
    expect(problemOf({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging' })).toContain(
      `TEMPORAL_PROFILE="staging": no profile "staging" in the Temporal config file ${configFile}, which has profiles "default", "prod", "cloud"`,
    );
    expect(problemOf({ TEMPORAL_CONFIG_FILE: configFile }, { profile: 'stagin' })).toContain('--profile stagin: no profile "stagin"');
    expect(problemOf({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'toString' })).toContain('no profile "toString"');
    expect(problemOf({ HOME: join(dir, 'nobody') }, { profile: 'prod' })).toContain(
      `--profile prod: no profile "prod" in the Temporal config file ${join(dir, 'nobody', '.config', 'temporalio', 'temporal.toml')} (no such file`,
    );
  });

  it('a config file that is missing or not TOML names the file', () => {
    expect(problemOf({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toContain(`TEMPORAL_CONFIG_FILE="${join(dir, 'nope.toml')}": cannot read the Temporal config file (no such file)`);
    const broken = join(dir, 'broken.toml');
    writeFileSync(broken, '[profile.default\naddress = 1\n');
    expect(problemOf({ TEMPORAL_CONFIG_FILE: broken })).toContain(`Temporal config file ${broken} is not valid TOML`);
  });

  it('bad values in a profile name the profile key and its file', () => {
    const file = join(dir, 'bad-values.toml');
    writeFileSync(file, '[profile.default]\naddress = "https://temporal:7233"\n[profile.default.tls]\nclient_key_path = "/nonexistent/k.pem"\n');
    const message = problemOf({ TEMPORAL_CONFIG_FILE: file });
    expect(message).toContain(`${file}: profile.default.address="https://temporal:7233": must be host:port, e.g. localhost:7233`);
    expect(message).toContain(`${file}: profile.default.tls.client_key_path=/nonexistent/k.pem: a client key needs its certificate too`);
  });

  it('booleans, empty values and host verification that the TypeScript SDK cannot turn off', () => {
    expect(problemOf({ TEMPORAL_TLS: 'yes' })).toContain('TEMPORAL_TLS="yes": must be true or false (or 1 or 0)');
    expect(problemOf({ TEMPORAL_ADDRESS: '' })).toContain('TEMPORAL_ADDRESS="": must not be empty');
    expect(problemOf({ TEMPORAL_ADDRESS: 'temporal' })).toContain('TEMPORAL_ADDRESS="temporal": must be host:port');
    expect(problemOf({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toContain(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: the Temporal TypeScript SDK cannot turn off host name verification; set TEMPORAL_TLS_SERVER_NAME',
    );
    const file = join(dir, 'no-verify.toml');
    writeFileSync(file, '[profile.default.tls]\ndisable_host_verification = true\n');
    expect(problemOf({ TEMPORAL_CONFIG_FILE: file })).toContain(`${file}: profile.default.tls.disable_host_verification: the Temporal TypeScript SDK cannot`);
  });

  it('reports every problem at once, with the other variables', () => {
    const message = problemOf({ LOG_LEVEL: 'loud', TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile, TEMPORAL_NAMESPACE: '' });
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('TEMPORAL_NAMESPACE="": must not be empty');
  });
});

describe('secrets', () => {
  const keyPem = () => readFileSync(certs.clientKeyFile, 'utf8');

  it('describeConfig shows where TLS comes from, never the API key, key contents or metadata values', () => {
    const config = loadConfig({
      TEMPORAL_API_KEY: 'sk-very-secret',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile,
      TEMPORAL_TLS_CLIENT_KEY_DATA: keyPem(),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile,
      TEMPORAL_GRPC_META_AUTHORIZATION: 'Bearer meta-secret',
    });
    const shown = describeConfig(config);
    expect(shown).toMatchObject({
      temporalApiKey: '(set)',
      temporalTls: `true, server CA TEMPORAL_TLS_SERVER_CA_CERT_PATH=${certs.caFile}, client certificate TEMPORAL_TLS_CLIENT_CERT_PATH=${certs.clientCertFile}`,
      temporalGrpcMeta: 'authorization',
      temporalProfile: '(none)',
    });
    const text = JSON.stringify(shown);
    for (const secret of ['sk-very-secret', 'meta-secret', 'PRIVATE KEY', keyPem().split('\n')[1]]) expect(text).not.toContain(secret);
  });

  it('errors never show a key, an API key or a metadata value', () => {
    const badKey = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n';
    const message = problemOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_DATA: badKey });
    expect(message).toContain('TEMPORAL_TLS_CLIENT_KEY_DATA (inline PEM): not a PEM private key');
    expect(message).not.toContain('c2VjcmV0');
    expect(problemOf({ TEMPORAL_API_KEY: '' })).toContain('TEMPORAL_API_KEY=(hidden): must not be empty');
    const withKey = problemOf({ TEMPORAL_TLS_CLIENT_KEY_DATA: keyPem(), TEMPORAL_TLS_CLIENT_CERT_PATH: otherCerts.clientCertFile });
    expect(withKey).not.toContain(keyPem().split('\n')[1]);
  });
});
