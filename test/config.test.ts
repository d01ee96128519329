// Environment configuration: defaults, secrets masked, bad values named with what is allowed.
import { ConfigError, describeConfig, loadConfig } from '../config/load-config';
import { FLAG_NAME_RULE } from '../flags/flag-name';

it('has working defaults for a local stack', () => {
  const config = loadConfig({});
  expect(config.temporal).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'flag-rollouts', apiKey: undefined, tls: false, grpcMeta: {} });
  expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  expect(config.tracking).toMatchObject({ collectorUrl: 'http://127.0.0.1:9090', flag: 'route_hll_to_snowplow_phase3' });
  expect(config.tracking.instanceId).toMatch(/^[A-Za-z0-9_.-]+$/);
});

it('never shows secrets: the API key and a Redis password are masked', () => {
  const config = loadConfig({ TEMPORAL_API_KEY: 'sk-secret', REDIS_URL: 'redis://app:hunter2@redis:6379' });
  expect(config.temporal.tls).toEqual({});
  const shown = JSON.stringify(describeConfig(config));
  expect(shown).not.toContain('sk-secret');
  expect(shown).not.toContain('hunter2');
  expect(shown).toContain('redis://app:***@redis:6379');
});

it('names each bad variable, its value and what is allowed', () => {
  const attempt = () => loadConfig({ REDIS_URL: 'http://x', LOG_LEVEL: 'loud', SNOWPLOW_COLLECTOR_URL: 'collector' });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(/REDIS_URL="http:\/\/x": must start with redis:\/\/ or rediss:\/\//);
  expect(attempt).toThrow(/LOG_LEVEL="loud"/);
  expect(attempt).toThrow(/SNOWPLOW_COLLECTOR_URL="collector": must be an http\(s\):\/\/ URL/);
});

it('does not echo a malformed API key', () => {
  expect(() => loadConfig({ TEMPORAL_API_KEY: '' })).toThrow(/TEMPORAL_API_KEY=\(hidden\)/);
});

it('checks TRACKED_FLAG with the one flag-name rule', () => {
  expect(loadConfig({ TRACKED_FLAG: 'my_flag_2' }).tracking.flag).toBe('my_flag_2');
  for (const bad of ['Route_HLL', 'route.hll', 'a'.repeat(101)]) {
    const attempt = () => loadConfig({ TRACKED_FLAG: bad });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`TRACKED_FLAG=${JSON.stringify(bad)}: ${FLAG_NAME_RULE}`);
  }
});

it('reads the metrics address, worker cache size and Redis cluster/TLS settings, with safe defaults', () => {
  const defaults = loadConfig({});
  expect(defaults.metrics).toEqual({ address: '127.0.0.1:9464' });
  expect(defaults.worker).toEqual({ maxCachedWorkflows: 200 });
  expect(defaults.redis).toEqual({ cluster: false, tls: { caFile: undefined, certFile: undefined, keyFile: undefined } });
  const set = loadConfig({
    METRICS_ADDRESS: 'off',
    WORKER_MAX_CACHED_WORKFLOWS: '500',
    REDIS_CLUSTER: 'true',
    REDIS_TLS_CA_FILE: '/certs/ca.pem',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
  });
  expect(set.metrics.address).toBeNull();
  expect(set.worker.maxCachedWorkflows).toBe(500);
  expect(set.redis).toMatchObject({ cluster: true, tls: { caFile: '/certs/ca.pem' } });
  expect(set.tracing.otlpEndpoint).toBe('http://collector:4318');
  expect(describeConfig(set)).toMatchObject({ metricsAddress: 'off', workerMaxCachedWorkflows: '500', redisCluster: 'true', redisTls: 'ca' });
});

it('refuses a metrics address without a port and a negative cache size', () => {
  const attempt = () => loadConfig({ METRICS_ADDRESS: 'localhost', WORKER_MAX_CACHED_WORKFLOWS: '-1' });
  expect(attempt).toThrow(/METRICS_ADDRESS="localhost": must be host:port \(e\.g\. 0\.0\.0\.0:9464\) or off/);
  expect(attempt).toThrow(/WORKER_MAX_CACHED_WORKFLOWS="-1"/);
});
