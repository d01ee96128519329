// docker-compose.yml against the repository: the upstream service shape, pinned images, the one list of search
// attributes, the schema jobs, the Iglu schemas Micro is given, the required Redis password and the worker's wiring.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { IGLU_SCHEMAS_DIR, igluRegistry } from '../stack/iglu-registry';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const ROOT = resolve(__dirname, '..');
const RAW = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/** What Compose substitutes with no .env: `${NAME:-default}` → default, `${NAME:?message}` → `<NAME>`, `$$` → `$`. */
function interpolate(text: string): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?::-([^}]*)|:\?[^}]*)?\}/g, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    if (whole.includes(':?')) return `<${name}>`;
    if (fallback === undefined) throw new Error(`docker-compose.yml: ${whole} has no default; use \${${name}:-…} or \${${name}:?…}`);
    return fallback;
  });
}

const compose = parseYaml(interpolate(RAW)) as { version: string; services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const tagOf = (image: string): string => image.slice(image.lastIndexOf(':') + 1);

describe('docker-compose.yml', () => {
  it('has the services of the upstream PostgreSQL example plus Redis, Snowplow Micro and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['postgresql', 'redis', 'snowplow-micro', 'temporal', 'temporal-admin-tools', 'temporal-create-namespace', 'temporal-ui', 'worker'].sort(),
    );
    // docker-compose v1 honours depends_on conditions in the 2.x formats only.
    expect(compose.version).toBe('2.4');
  });

  it('pins every pulled image to a version: Temporal 1.30.x (server and admin-tools alike), Micro 4.x', () => {
    for (const [name, { image, build }] of Object.entries(services)) {
      if (build !== undefined) continue;
      expect(`${name}: ${image}`).toMatch(/^[a-z-]+: [a-z0-9./-]+:[0-9][A-Za-z0-9.-]*$/);
    }
    const temporalVersion = tagOf(service('temporal').image!);
    expect(temporalVersion).toMatch(/^1\.30\.\d+$/);
    expect(service('temporal').image).toBe(`temporalio/server:${temporalVersion}`);
    expect(service('temporal-admin-tools').image).toBe(`temporalio/admin-tools:${temporalVersion}`);
    expect(service('temporal-create-namespace').image).toBe(`temporalio/admin-tools:${temporalVersion}`);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(service('snowplow-micro').image).toMatch(/^snowplow\/snowplow-micro:4\.\d+\.\d+$/);
    expect(RAW).not.toMatch(/auto-setup/);
  });

  it('creates and updates both PostgreSQL schemas before the server starts', () => {
    const job = service('temporal-admin-tools');
    expect(job.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(job.volumes).toContain('./deploy/temporal/setup-postgres.sh:/scripts/setup-postgres.sh:ro');
    expect(job.entrypoint).toEqual(['/bin/sh', '/scripts/setup-postgres.sh']);
    const script = readFileSync(join(ROOT, 'deploy/temporal/setup-postgres.sh'), 'utf8');
    expect(script).toMatch(/^setup "\$\{DBNAME:-temporal\}" temporal$/m);
    expect(script).toMatch(/^setup "\$\{VISIBILITY_DBNAME:-temporal_visibility\}" visibility$/m);
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) expect(script).toContain(`temporal-sql-tool --db "$database" ${step}`);

    const server = service('temporal');
    expect(server.depends_on).toEqual({ 'temporal-admin-tools': { condition: 'service_completed_successfully' } });
    expect(server.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', BIND_ON_IP: '0.0.0.0' });
    // The tool and the server connect as the same user.
    expect(job.environment?.SQL_USER).toBe(server.environment?.POSTGRES_USER);
    expect(job.environment?.SQL_PASSWORD).toBe(server.environment?.POSTGRES_PWD);
  });

  it('creates the namespace and registers exactly the search attributes of workflows/search-attributes.ts', () => {
    const job = service('temporal-create-namespace');
    expect(job.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(job.volumes).toContain('./deploy/temporal/create-namespace.sh:/scripts/create-namespace.sh:ro');
    expect(job.environment?.TEMPORAL_NAMESPACE).toBe(service('worker').environment?.TEMPORAL_NAMESPACE);
    const registered = job.environment?.ROLLOUT_SEARCH_ATTRIBUTES?.split(/\s+/);
    expect(registered).toEqual(ROLLOUT_SEARCH_ATTRIBUTES.map(({ name, type }) => `${name}=${type}`));
  });

  it("gives Snowplow Micro the project's Iglu schemas: the ones the embedded collector validates against", () => {
    const mounts = (service('snowplow-micro').volumes ?? []).map((volume) => volume.split(':'));
    const iglu = mounts.find(([, target]) => target === '/config/iglu-client-embedded/schemas');
    expect(iglu).toEqual(['./iglu/schemas', '/config/iglu-client-embedded/schemas', 'ro']);
    const mounted = resolve(ROOT, iglu![0]!);
    expect(mounted).toBe(IGLU_SCHEMAS_DIR);
    // Every schema of ours that the tracking path names resolves there (an unknown one is the registry's only problem
    // with `{}`). Snowplow's own (com.snowplowanalytics.*) Micro resolves from Iglu Central.
    const named = new Set(filesUnder(join(ROOT, 'tracking')).flatMap((file) => readFileSync(file, 'utf8').match(/iglu:[^'"`\s]+/g) ?? []));
    for (const uri of named) if (uri.startsWith('iglu:com.snowplowanalytics.')) named.delete(uri);
    expect([...named]).toContain('iglu:com.gitlab/gitlab_service_ping/jsonschema/1-0-0');
    for (const uri of named) expect(igluRegistry(mounted).validate(uri, {}).join('\n')).not.toMatch(/is not in the registry/);
    // Micro finds a schema by its path: vendor/name/format/version, the file named after the version, no extension.
    for (const file of filesUnder(mounted)) {
      const self = (JSON.parse(readFileSync(file, 'utf8')) as { self: Record<string, string> }).self;
      expect(file.slice(mounted.length + 1)).toBe([self.vendor, self.name, self.format, self.version].join('/'));
    }
  });

  it('requires REDIS_PASSWORD wherever it is used: the server, its health check and the worker', () => {
    const uses = RAW.match(/\$\{?REDIS_PASSWORD[^}]*\}?/g) ?? [];
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const use of uses) expect(use).toMatch(/^\$\{REDIS_PASSWORD:\?REDIS_PASSWORD is required: .+\}$/);
    const redis = service('redis');
    expect(redis.command).toEqual(['redis-server', '--appendonly', 'yes', '--requirepass', '<REDIS_PASSWORD>']);
    expect(redis.environment).toEqual({ REDISCLI_AUTH: '<REDIS_PASSWORD>' });
    expect(redis.healthcheck?.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep -q PONG']);
    expect(service('worker').environment?.REDIS_URL).toBe('redis://:<REDIS_PASSWORD>@redis:6379');
  });

  it('builds the worker from the Dockerfile and wires it to Temporal, Redis and Micro', () => {
    const worker = service('worker');
    expect(worker.build).toBe('.');
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    expect(worker.environment).toEqual({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      REDIS_URL: 'redis://:<REDIS_PASSWORD>@redis:6379',
      SNOWPLOW_COLLECTOR_URL: 'http://snowplow-micro:9090',
      METRICS_ADDRESS: '0.0.0.0:9464',
      LOG_LEVEL: 'info',
    });
    expect(worker.depends_on).toEqual({
      'temporal-create-namespace': { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
      'snowplow-micro': { condition: 'service_started' },
    });
    expect(worker.ports).toEqual(['127.0.0.1:9464:9464']);
  });

  it('publishes ports on BIND_ADDRESS (127.0.0.1 unless set), never on every interface by default', () => {
    for (const [name, { ports }] of Object.entries(services)) {
      for (const port of ports ?? []) expect(`${name}: ${port}`).toMatch(/^[a-z-]+: 127\.0\.0\.1:\d+:\d+$/);
    }
    expect(RAW.match(/"\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+"/g)).toHaveLength(
      Object.values(services).reduce((count, { ports }) => count + (ports?.length ?? 0), 0),
    );
  });

  it('.env.example names every variable the file reads, and leaves the Redis password to be set', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const names = new Set([...RAW.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!));
    for (const name of names) expect({ name, listed: new RegExp(`^#? ?${name}=`, 'm').test(example) }).toEqual({ name, listed: true });
    expect(example).toMatch(/^REDIS_PASSWORD=$/m);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
