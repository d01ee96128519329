// The embedded collector validates like Snowplow Micro: contexts against the project's Iglu schemas, bad events kept with why.
import { igluRegistry } from '../stack/iglu-registry';
import { startCollectorServer, type RunningCollector } from '../stack/collector-server';

let collector: RunningCollector;

beforeAll(async () => {
  collector = await startCollectorServer();
});

afterAll(async () => {
  await collector?.stop();
});

afterEach(() => collector.reset());

function event(contexts: unknown): Record<string, string> {
  return { e: 'se', se_ca: 'Gitlab::UsageDataCounters::HLLRedisCounter', se_ac: 'i_quickactions_approve', eid: 'e1', tna: 'gl', aid: 'gitlab', p: 'srv', co: JSON.stringify(contexts) };
}

async function post(events: unknown[]): Promise<void> {
  const response = await fetch(`${collector.url}/com.snowplowanalytics.snowplow/tp2`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: events }),
  });
  expect(response.status).toBe(200);
}

const contexts = (data: unknown, schema = 'iglu:com.gitlab/gitlab_service_ping/jsonschema/1-0-0') => ({
  schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1',
  data: [{ schema, data }],
});

it('keeps an event whose gitlab_service_ping context matches the schema, and refuses the others with the reason', async () => {
  await post([
    event(contexts({ data_source: 'redis_hll', event_name: 'i_quickactions_approve' })),
    event(contexts({ data_source: 'redis_hll' })),
    event(contexts({ data_source: 'kafka', event_name: 'x', extra: 1 })),
    event(contexts({ any: 'thing' }, 'iglu:com.example/unknown/jsonschema/1-0-0')),
  ]);
  expect(collector.events()).toHaveLength(1);
  const reasons = collector.badEvents().map((bad) => bad.errors.join('; '));
  expect(reasons).toEqual([
    expect.stringMatching(/gitlab_service_ping\/jsonschema\/1-0-0: \/ must have required property 'event_name'/),
    expect.stringMatching(/must NOT have additional properties.*\/data_source must be equal to one of the allowed values/),
    expect.stringMatching(/schema iglu:com.example\/unknown\/jsonschema\/1-0-0 is not in the registry/),
  ]);
  const micro = await (await fetch(`${collector.url}/micro/all`)).json();
  expect(micro).toEqual({ total: 4, good: 1, bad: 3 });
});

it('reads the registry as Iglu lays it out, and names a schema it does not have', () => {
  const registry = igluRegistry();
  expect(registry.validate('iglu:com.gitlab/gitlab_service_ping/jsonschema/1-0-0', { data_source: 'redis_hll', event_name: 'e' })).toEqual([]);
  expect(registry.validate('iglu:com.gitlab/gitlab_service_ping/jsonschema/9-0-0', {})).toEqual([expect.stringMatching(/not in the registry/)]);
  expect(registry.validate('not an iglu uri', {})).toEqual([expect.stringMatching(/not in the registry/)]);
});

it('gives the same contexts the same verdict every time they come (co and base64url cx alike), and a field that is not a string is named', async () => {
  const good = contexts({ data_source: 'redis_hll', event_name: 'i_quickactions_approve' });
  const bad = contexts({ data_source: 'redis_hll' });
  const cx = (value: unknown) => {
    const { co, ...rest } = event(value);
    return { ...rest, cx: Buffer.from(co!, 'utf8').toString('base64url') };
  };
  await post([event(good), event(bad), event(good), event(bad), cx(good), cx(bad), { ...event(good), se_va: 1 }]);
  expect(collector.events()).toHaveLength(3);
  const reasons = collector.badEvents().map((b) => b.errors.join('; '));
  expect(reasons).toHaveLength(4);
  expect(new Set(reasons.slice(0, 3)).size).toBe(1);
  expect(reasons[0]).toMatch(/must have required property 'event_name'/);
  expect(reasons[3]).toBe('field se_va is not a string');
});
