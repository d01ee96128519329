// The worker's one HTTP port (METRICS_ADDRESS): /metrics from the Temporal runtime's exporter, /healthz (liveness) and /readyz (readiness).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Check, CheckResult } from '../observability/readiness-checks';

export interface HealthServerOptions {
  /** host:port to listen on (METRICS_ADDRESS), e.g. 0.0.0.0:9464 or [::1]:9464. */
  address: string;
  /** The Temporal runtime's Prometheus exporter on loopback, whose text /metrics serves; null: /metrics answers 404. */
  prometheusAddress: string | null;
  /** /healthz: the process is up and these pass (the worker polls). */
  liveness: Check[];
  /** /readyz: these pass too (Temporal and Redis answer). */
  readiness: Check[];
}

export interface RunningHealthServer {
  /** http://host:port of the server as bound (the port filled in when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** The JSON body of /healthz and /readyz. */
export interface HealthReport {
  status: 'ok' | 'failing';
  checks: CheckResult[];
}

export async function startHealthServer(options: HealthServerOptions): Promise<RunningHealthServer> {
  const { host, port } = parseListenAddress(options.address);
  const server = createServer((request, response) => {
    void route(options, request, response).catch((error: unknown) => reply(response, 500, 'text/plain', `internal error: ${String(error)}\n`));
  });
  await listen(server, host, port, options.address);
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function route(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'only GET and HEAD\n');
  if (path === '/healthz') return report(response, options.liveness);
  if (path === '/readyz') return report(response, [...options.liveness, ...options.readiness]);
  if (path === '/metrics') return metrics(options.prometheusAddress, response);
  return reply(response, 404, 'text/plain', 'not found; this server answers /metrics, /healthz and /readyz\n');
}

async function report(response: ServerResponse, checks: Check[]): Promise<void> {
  const results = await Promise.all(checks.map((check) => check()));
  const ok = results.every((result) => result.ok);
  const body: HealthReport = { status: ok ? 'ok' : 'failing', checks: results };
  reply(response, ok ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
}

async function metrics(prometheusAddress: string | null, response: ServerResponse): Promise<void> {
  if (prometheusAddress === null) return reply(response, 404, 'text/plain', 'metrics are not exported by this process\n');
  const upstream = await fetch(`http://${prometheusAddress}/metrics`, { signal: AbortSignal.timeout(5000) }).catch((error: unknown) => error as Error);
  if (upstream instanceof Error || !upstream.ok) {
    const why = upstream instanceof Error ? upstream.message : `HTTP ${upstream.status}`;
    return reply(response, 502, 'text/plain', `the Temporal runtime's metrics exporter at ${prometheusAddress} did not answer: ${why}\n`);
  }
  reply(response, 200, upstream.headers.get('content-type') ?? 'text/plain; version=0.0.4', await upstream.text());
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

/** host:port with an optional [IPv6] host, as METRICS_ADDRESS takes it. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535 || host === '') {
    throw new Error(`METRICS_ADDRESS=${address}: expected host:port (e.g. 0.0.0.0:9464 or [::]:9464) or off`);
  }
  return { host, port };
}

function listen(server: Server, host: string, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: Error) => reject(new Error(`cannot serve metrics and health on METRICS_ADDRESS=${address}: ${error.message}`)));
    server.listen(port, host, () => resolve());
  });
}
