// The worker image's Dockerfile against the repository: compiled entry points, production dependencies, a non-root
// user, the CLI on PATH, and its HEALTHCHECK command run for real against a local HTTP server.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PAYLOAD_CONVERTER_PATH, WORKFLOWS_PATH } from '../worker/create-rollout-worker';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
/** Instructions with their continuation lines joined, comments left out. */
const INSTRUCTIONS = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));
const STAGES = INSTRUCTIONS.reduce<Record<string, string[]>>((stages, line) => {
  const from = /^FROM \S+ AS (\S+)$/.exec(line);
  if (from) stages[from[1]!] = [];
  else Object.values(stages).at(-1)?.push(line);
  return stages;
}, {});
const runtime = STAGES.runtime ?? [];
const buildFiles = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { files: string[] }).files;

describe('Dockerfile', () => {
  it('compiles in a build stage and runs on a glibc Node image with production dependencies only', () => {
    expect(Object.keys(STAGES)).toEqual(['build', 'runtime']);
    expect(INSTRUCTIONS[0]).toMatch(/^ARG NODE_IMAGE=node:\d+-(bookworm|trixie)-slim$/);
    expect(STAGES.build).toContain('RUN node_modules/.bin/tsc -p tsconfig.build.json && touch dist/.build-stamp');
    expect(runtime.find((line) => line.startsWith('RUN npm ci'))).toMatch(/^RUN npm ci --omit=dev /);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    // Nothing the runtime stage runs needs tsx or the TypeScript sources.
    expect(runtime.join('\n')).not.toMatch(/tsx|\.ts\b/);
  });

  it('runs as a numeric non-root user, the worker by default and the CLI from PATH', () => {
    const user = runtime.find((line) => line.startsWith('USER '));
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/worker/main.js"]');
    expect(runtime.join('\n')).toContain('ln -s /app/bin/rollout.js /usr/local/bin/rollout');
  });

  it('has every entry point the image runs in tsconfig.build.json, also those loaded by path rather than imported', () => {
    const source = (path: string) => relative(ROOT, path).replace(/\.(js|ts)$/, '.ts');
    // The workflows and payload converter the worker bundles at start; the Snowplow thread's entry (`rollout traffic`).
    const byPath = [source(WORKFLOWS_PATH), source(PAYLOAD_CONVERTER_PATH), 'tracking/snowplow-thread-main.ts'];
    for (const entry of ['worker/main.ts', 'client/main.ts', ...byPath]) {
      expect(buildFiles).toContain(entry);
      expect(existsSync(join(ROOT, entry))).toBe(true);
    }
  });

  it('keeps local installs, builds and secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', '.tools', '.env', '.env.*', '*.key']) expect(ignored).toContain(entry);
  });
});

describe('Dockerfile HEALTHCHECK', () => {
  const line = runtime.find((instruction) => instruction.startsWith('HEALTHCHECK '));
  const command = JSON.parse(/ CMD (\[.*\])$/.exec(line ?? '')?.[1] ?? 'null') as string[] | null;
  let server: Server;
  let port: number;
  let status = 200;
  const paths: string[] = [];

  const probe = async (metricsAddress: string): Promise<{ code: number; stderr: string }> => {
    const [node, ...args] = command!;
    expect(node).toBe('node');
    try {
      const { stderr } = await run(process.execPath, args, { env: { PATH: process.env.PATH, METRICS_ADDRESS: metricsAddress } });
      return { code: 0, stderr };
    } catch (err) {
      const failed = err as { code: number; stderr: string };
      return { code: failed.code, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('is a node -e command with interval, timeout and start period', () => {
    expect(line).toMatch(/^HEALTHCHECK --interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+ +CMD \[/);
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
  });

  it('passes when /healthz answers 2xx, asking 127.0.0.1 for a server on 0.0.0.0', async () => {
    status = 200;
    paths.length = 0;
    expect(await probe(`0.0.0.0:${port}`)).toEqual({ code: 0, stderr: '' });
    expect(await probe(`127.0.0.1:${port}`)).toEqual({ code: 0, stderr: '' });
    expect(paths).toEqual(['/healthz', '/healthz']);
  });

  it('fails when /healthz answers an error, saying which', async () => {
    status = 503;
    expect(await probe(`0.0.0.0:${port}`)).toEqual({ code: 1, stderr: '/healthz answered 503\n' });
  });

  it('fails when nothing listens, naming the address', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const result = await probe(`127.0.0.1:${free}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`/healthz on 127.0.0.1:${free}: `);
  });

  it('fails and says why when METRICS_ADDRESS=off turned the health server off', async () => {
    expect(await probe('off')).toEqual({ code: 1, stderr: 'METRICS_ADDRESS=off: the worker serves no /healthz\n' });
  });
});
