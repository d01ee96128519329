// A small Snowplow collector on 127.0.0.1 with Snowplow Micro's read API, for tests and the demo; it can be taken down.
import { igluRegistry } from './iglu-registry';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './free-port';

/** One event as the tracker sent it: the payload_data fields (`e`, `se_ca`, `se_ac`, `co`, …), all strings. */
export type CollectedEvent = Record<string, string>;

/** `up`: accept events; `503`: answer 503 Service Unavailable; `refuse`: stop listening (connection refused). */
export type CollectorMode = 'up' | '503' | 'refuse';

export interface RunningCollector {
  /** Base URL, e.g. http://127.0.0.1:9090 — what the tracker's endpoint is set to. */
  url: string;
  port: number;
  /** Good events in arrival order. */
  events(): CollectedEvent[];
  /** Events that failed validation (envelope, fields, contexts against the Iglu schemas), with why: Micro's /micro/bad. */
  badEvents(): BadEvent[];
  /** Collection requests that reached the server (also those answered 503). */
  requests(): number;
  reset(): void;
  setDown(mode: CollectorMode): Promise<void>;
  stop(): Promise<void>;
}

export interface CollectorServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Largest request body accepted. Default 10 MB. */
  maxBodyBytes?: number;
}

const POST_PATH = '/com.snowplowanalytics.snowplow/tp2';
const PAYLOAD_DATA_SCHEMA = /^iglu:com\.snowplowanalytics\.snowplow\/payload_data\/jsonschema\/1-0-\d+$/;

export interface BadEvent {
  errors: string[];
  payload: unknown;
}

export async function startCollectorServer(options: CollectorServerOptions = {}): Promise<RunningCollector> {
  const port = options.port ?? (await freePort());
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  let good: CollectedEvent[] = [];
  let bad: BadEvent[] = [];
  let requests = 0;
  let mode: CollectorMode = 'up';
  let listening = false;

  const collect = (body: string): void => {
    let envelope: unknown;
    try {
      envelope = JSON.parse(body);
    } catch {
      bad.push({ errors: ['body is not JSON'], payload: body });
      return;
    }
    const { schema, data } = (envelope ?? {}) as { schema?: unknown; data?: unknown };
    if (typeof schema !== 'string' || !PAYLOAD_DATA_SCHEMA.test(schema) || !Array.isArray(data)) {
      bad.push({ errors: ['not a payload_data envelope'], payload: envelope });
      return;
    }
    for (const event of data) {
      const errors = validateEvent(event);
      if (errors.length === 0) good.push(event as CollectedEvent);
      else bad.push({ errors, payload: event });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://collector');
    if (url.pathname === POST_PATH && req.method === 'POST') {
      requests++;
      const body = await readBody(req, maxBodyBytes);
      if (mode === '503') return reply(res, 503, 'text/plain', 'Service Unavailable');
      if (body === undefined) return reply(res, 413, 'text/plain', 'Payload Too Large');
      collect(body);
      return reply(res, 200, 'text/plain', 'ok');
    }
    if (url.pathname === '/i' && req.method === 'GET') {
      requests++;
      if (mode === '503') return reply(res, 503, 'text/plain', 'Service Unavailable');
      collect(JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: [Object.fromEntries(url.searchParams)] }));
      return reply(res, 200, 'text/plain', 'ok');
    }
    switch (url.pathname) {
      case '/micro/all':
        return json(res, { total: good.length + bad.length, good: good.length, bad: bad.length });
      case '/micro/good':
        return json(res, good.map(toMicroGoodEvent));
      case '/micro/bad':
        return json(res, bad);
      case '/micro/reset':
        good = [];
        bad = [];
        return json(res, { total: 0, good: 0, bad: 0 });
      case '/health':
        return reply(res, 200, 'text/plain', 'OK');
      default:
        return reply(res, 404, 'text/plain', 'Not Found');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, 'text/plain', String(error));
      else res.destroy();
    });
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });

  const close = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      // Keep-alive connections would otherwise keep serving requests after the listening socket is gone.
      server.closeAllConnections();
    });

  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events: () => [...good],
    badEvents: () => [...bad],
    requests: () => requests,
    reset: () => {
      good = [];
      bad = [];
      requests = 0;
    },
    setDown: async (next) => {
      mode = next;
      if (next === 'refuse') await close();
      else if (!listening) await listen();
    },
    stop: close,
  };
}

const CONTEXTS_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1';
const registry = igluRegistry();

/**
 * What the contexts of recent events were found to be, by their text: a tracker sends the same contexts again and again
 * (an HLL event's are the same for every event of that name), and the same text always gets the same verdict.
 */
const contextVerdicts = new Map<string, readonly string[]>();
const MAX_CONTEXT_VERDICTS = 10_000;

/** The contexts of an event (`co`, or base64url `cx`) checked as Micro would: the envelope, then each entity's schema. */
function contextErrors(fields: Record<string, unknown>): readonly string[] {
  const co = typeof fields.co === 'string';
  const encoded = co ? (fields.co as string) : typeof fields.cx === 'string' ? fields.cx : undefined;
  if (encoded === undefined) return [];
  const key = (co ? 'co:' : 'cx:') + encoded;
  let verdict = contextVerdicts.get(key);
  if (verdict === undefined) {
    verdict = checkContexts(co ? encoded : Buffer.from(encoded, 'base64url').toString('utf8'), co ? 'co' : 'cx');
    if (contextVerdicts.size >= MAX_CONTEXT_VERDICTS) contextVerdicts.clear();
    contextVerdicts.set(key, verdict);
  }
  return verdict;
}

function checkContexts(text: string, field: 'co' | 'cx'): string[] {
  const contexts = parseJson(text) as { schema?: unknown; data?: unknown } | undefined;
  if (contexts === undefined) return [`${field} is not JSON`];
  if (contexts.schema !== CONTEXTS_SCHEMA && !(typeof contexts.schema === 'string' && /^iglu:com\.snowplowanalytics\.snowplow\/contexts\/jsonschema\/1-0-\d+$/.test(contexts.schema))) {
    return [`contexts are not a ${CONTEXTS_SCHEMA} self-describing JSON`];
  }
  const errors = registry.validate(CONTEXTS_SCHEMA, contexts.data);
  if (errors.length > 0) return errors;
  return (contexts.data as Array<{ schema: string; data: unknown }>).flatMap((entity) => registry.validate(entity.schema, entity.data));
}

function validateEvent(event: unknown): string[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return ['event is not an object'];
  const fields = event as Record<string, unknown>;
  const errors: string[] = [];
  for (const key in fields) if (typeof fields[key] !== 'string') errors.push(`field ${key} is not a string`);
  if (typeof fields.e !== 'string' || fields.e === '') errors.push('missing event type (e)');
  if (fields.e === 'se' && (!fields.se_ca || !fields.se_ac)) errors.push('structured event without se_ca or se_ac');
  const contexts = contextErrors(fields);
  return contexts.length === 0 ? errors : [...errors, ...contexts];
}

/** The shape of Snowplow Micro's /micro/good entries, reduced to the fields a structured event has. */
function toMicroGoodEvent(event: CollectedEvent) {
  const contexts = parseJson(event.co) as { data?: Array<{ schema?: string; data?: unknown }> } | undefined;
  return {
    eventType: event.e === 'se' ? 'struct' : event.e,
    contexts: (contexts?.data ?? []).map((c) => c.schema),
    event: {
      app_id: event.aid,
      platform: event.p,
      event_id: event.eid,
      name_tracker: event.tna,
      se_category: event.se_ca,
      se_action: event.se_ac,
      se_label: event.se_la,
      se_property: event.se_pr,
      se_value: event.se_va,
      contexts: contexts ?? null,
    },
    rawEvent: { parameters: event },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as text, or undefined when it is larger than `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= max) chunks.push(chunk);
  }
  return size > max ? undefined : Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, body: unknown): void {
  reply(res, 200, 'application/json', JSON.stringify(body));
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body);
}
