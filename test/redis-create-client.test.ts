// The Redis client factory: REDIS_URL as one URL or a cluster's seed list, TLS files checked at start, problems named once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../config/load-config';
import { isFlagKeyPrefix, keyHashTag, validateKeyPrefixForCluster } from '../flags/flipper-redis-keys';
import { createRedisClient, redisSettingsOf } from '../redis/create-redis-client';
import { describeRedisAddress } from '../redis/describe-redis-address';
import { parseRedisUrls } from '../redis/redis-urls';
import { freePort } from '../stack/free-port';
import { pollUntil } from './support/eventually';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';

describe('REDIS_URL', () => {
  it('is one redis:// or rediss:// URL, or a comma-separated list of them', () => {
    expect(parseRedisUrls('redis://127.0.0.1:6379').nodes).toEqual([{ url: 'redis://127.0.0.1:6379', host: '127.0.0.1', port: 6379, tls: false, db: 0 }]);
    expect(parseRedisUrls('rediss://app:p%40ss@[::1]/2').nodes).toEqual([
      { url: 'rediss://app:p%40ss@[::1]/2', host: '::1', port: 6379, tls: true, username: 'app', password: 'p@ss', db: 2 },
    ]);
    const { nodes, problems } = parseRedisUrls('redis://:pw@10.0.0.1:7000, redis://:pw@10.0.0.2:7001');
    expect(problems).toEqual([]);
    expect(nodes.map((node) => `${node.host}:${node.port}`)).toEqual(['10.0.0.1:7000', '10.0.0.2:7001']);
  });

  it('says which entry is wrong and why', () => {
    expect(parseRedisUrls('http://x').problems).toEqual([expect.stringMatching(/^must start with redis:\/\/ or rediss:\/\//)]);
    expect(parseRedisUrls('redis://a:1,,redis://b:2').problems).toEqual([expect.stringMatching(/^entry 2 \(""\) is empty \(a stray comma\?\)/)]);
    expect(parseRedisUrls('redis://a:1,rediss://b:2').problems).toEqual([expect.stringMatching(/mixes redis:\/\/ and rediss:\/\//)]);
    expect(parseRedisUrls('redis://:x@a:1,redis://:y@b:2').problems).toEqual([expect.stringMatching(/different users or passwords/)]);
    expect(parseRedisUrls('redis://a:1/1,redis://b:2/1').problems).toEqual([expect.stringMatching(/only database 0/)]);
    expect(parseRedisUrls('redis://a:1/keys').problems).toEqual([expect.stringMatching(/only a database number may follow the host/)]);
  });

  it('is checked by loadConfig, masking every password of a list', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://:first@a:1,http://:second@b:2' })).toThrow(/REDIS_URL="redis:\/\/:\*\*\*@a:1,http:\/\/:\*\*\*@b:2": entry 2/);
    const config = loadConfig({ REDIS_URL: 'redis://:first@a:1,redis://:first@b:2', REDIS_CLUSTER: 'true' });
    expect(describeRedisAddress(redisSettingsOf(config))).toBe('Redis Cluster redis://:***@a:1,redis://:***@b:2');
    expect(describeRedisAddress({ url: 'rediss://u:secret@h:6380' })).toBe('Redis at rediss://u:***@h:6380');
  });

  it('lists several URLs only with REDIS_CLUSTER=true, and a cluster only with database 0', () => {
    expect(() => createRedisClient({ url: 'redis://a:1,redis://b:2' })).toThrow(ConfigError);
    expect(() => createRedisClient({ url: 'redis://a:1,redis://b:2' })).toThrow(/lists 2 URLs, but REDIS_CLUSTER is not true: set REDIS_CLUSTER=true/);
    expect(() => createRedisClient({ url: 'redis://a:1/3', cluster: true })).toThrow(/REDIS_CLUSTER=true and Redis Cluster has only database 0/);
  });
});

describe('REDIS_TLS_* files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-tls-files-'));
  const pem = join(dir, 'ca.crt');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const notPem = join(dir, 'notes.txt');
  writeFileSync(notPem, 'hello');
  let certificates: TestCertificates;
  beforeAll(async () => {
    certificates = await makeTestCertificates(join(dir, 'pki'));
  });

  it('are refused with a redis:// URL, naming the variables', () => {
    expect(() => createRedisClient({ url: 'redis://:pw@h:1', tls: { caFile: pem, certFile: pem, keyFile: pem } })).toThrow(
      /^REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE are set, but REDIS_URL=redis:\/\/:\*\*\*@h:1 is not a rediss:\/\/ URL/,
    );
  });

  it('need a certificate and its key together', () => {
    expect(() => createRedisClient({ url: 'rediss://h:1', tls: { certFile: pem } })).toThrow(/REDIS_TLS_CERT_FILE is set without REDIS_TLS_KEY_FILE/);
    expect(() => createRedisClient({ url: 'rediss://h:1', tls: { keyFile: pem } })).toThrow(/REDIS_TLS_KEY_FILE is set without REDIS_TLS_CERT_FILE/);
  });

  it('must be readable PEM files, the key of the certificate: the error names the variable and the file', () => {
    const missing = join(dir, 'missing.pem');
    const attempt = (tls: { caFile?: string; certFile?: string; keyFile?: string }) => () => createRedisClient({ url: 'rediss://h:1', tls }, { lazyConnect: true });
    expect(attempt({ caFile: missing })).toThrow(ConfigError);
    expect(attempt({ caFile: missing })).toThrow(`REDIS_TLS_CA_FILE=${missing}: cannot read it (no such file)`);
    expect(attempt({ caFile: notPem })).toThrow(`REDIS_TLS_CA_FILE=${notPem}: not a PEM certificate`);
    const { caFile, clientCertFile, clientKeyFile, serverKeyFile } = certificates;
    expect(attempt({ caFile, certFile: clientCertFile, keyFile: serverKeyFile })).toThrow(`REDIS_TLS_KEY_FILE=${serverKeyFile} is not the private key of REDIS_TLS_CERT_FILE=${clientCertFile}`);
    const client = attempt({ caFile, certFile: clientCertFile, keyFile: clientKeyFile })();
    client.disconnect();
  });
});

describe('the clients it makes', () => {
  it('is a Redis for one URL and a Cluster with REDIS_CLUSTER=true; neither prints "Unhandled error event"', async () => {
    const port = await freePort();
    const problems: string[] = [];
    const onError = (detail: string) => problems.push(detail);
    const server = createRedisClient({ url: `redis://:secret@127.0.0.1:${port}` }, { reconnectDelayMs: () => 50, onError });
    const cluster = createRedisClient({ url: `redis://:secret@127.0.0.1:${port}`, cluster: true }, { reconnectDelayMs: () => 50, onError });
    try {
      expect(server).toBeInstanceOf(Redis);
      expect(cluster).toBeInstanceOf(Cluster);
      // Several failed reconnects each, but every distinct problem is told once, naming Redis and the masked address.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await pollUntil(() => problems, (seen) => seen.some((p) => p.startsWith('Redis Cluster')), { what: 'a cluster problem', timeoutMs: 5000, intervalMs: 50 });
      expect(problems.filter((p) => p.startsWith(`Redis at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED`))).toHaveLength(1);
      expect(problems.some((p) => p.startsWith(`Redis Cluster redis://:***@127.0.0.1:${port}: `))).toBe(true);
      expect(new Set(problems).size).toBe(problems.length);
      expect(problems.join('\n')).not.toContain('secret');
    } finally {
      server.disconnect();
      cluster.disconnect();
    }
  });
});

describe('FLAG_KEY_PREFIX', () => {
  it('allows one hash tag in braces', () => {
    for (const ok of ['flipper', '{flipper}', 'app:{flags}', 'a.b-c_d:e']) expect(isFlagKeyPrefix(ok)).toBe(true);
    for (const bad of ['', '{}', '{a}{b}', 'a{b', 'a}b', 'with space', 'a\nb']) expect(isFlagKeyPrefix(bad)).toBe(false);
    expect(loadConfig({ FLAG_KEY_PREFIX: '{flipper}' }).flagKeyPrefix).toBe('{flipper}');
    expect(() => loadConfig({ FLAG_KEY_PREFIX: 'a{b' })).toThrow(/FLAG_KEY_PREFIX="a\{b": letters, digits and _ : \. - only, with at most one Redis Cluster hash tag/);
  });

  it('needs a hash tag on Redis Cluster, and says which one to use', () => {
    expect(keyHashTag('{flipper}')).toBe('flipper');
    expect(keyHashTag('app:{flags}:x')).toBe('flags');
    expect(keyHashTag('flipper')).toBeNull();
    expect(() => validateKeyPrefixForCluster('{flipper}', 'The flag store')).not.toThrow();
    expect(() => validateKeyPrefixForCluster('flipper', 'The flag store')).toThrow(
      'The flag store runs on Redis Cluster, where FLAG_KEY_PREFIX must hold a hash tag so a flag\'s keys share one slot; got "flipper": set FLAG_KEY_PREFIX={flipper} (Ruby\'s Flipper then reads key_prefix "{flipper}:<env>:")',
    );
  });
});
