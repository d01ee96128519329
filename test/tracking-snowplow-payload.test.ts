// The payload fragment is what @snowplow/node-tracker itself would POST for the event, and batches are concatenations.
import { buildStructEvent, newTracker } from '@snowplow/node-tracker';
import { batchBody, countByEvent, eventNameOf, fragmentOfEntry, PAYLOAD_DATA_SCHEMA } from '../tracking/snowplow-batch';
import { createPayloadBuilder, SERVICE_PING_CONTEXT_SCHEMA } from '../tracking/snowplow-payload-builder';

const CATEGORY = 'Gitlab::UsageDataCounters::HLLRedisCounter';
const TRACKED_AT = Date.UTC(2026, 10, 25, 10, 0, 0);

/** The tp2 body node-tracker's own emitter POSTs for one event tracked at TRACKED_AT. */
async function postedByNodeTracker(event: string): Promise<Record<string, string>> {
  let body = '';
  const tracker = newTracker(
    { namespace: 'gl', appId: 'gitlab', encodeBase64: false },
    {
      endpoint: 'http://127.0.0.1:9',
      bufferSize: 1,
      customFetch: async (request: Request) => {
        body = await request.text();
        return new Response('ok');
      },
    },
  );
  tracker.track(buildStructEvent({ category: CATEGORY, action: event, property: event }), [{ schema: SERVICE_PING_CONTEXT_SCHEMA, data: { data_source: 'redis_hll', event_name: event } }], {
    type: 'dtm',
    value: TRACKED_AT,
  });
  await tracker.flush();
  const envelope = JSON.parse(body) as { schema: string; data: Array<Record<string, string>> };
  expect(envelope.schema).toBe(PAYLOAD_DATA_SCHEMA);
  return envelope.data[0]!;
}

function withoutIds({ eid, stm, ...rest }: Record<string, string>): Record<string, string> {
  expect(eid).toMatch(/^[0-9a-f-]{36}$/);
  void stm;
  return rest;
}

test('a fragment holds exactly the fields node-tracker would POST for the event, every value a string', async () => {
  const fragment = createPayloadBuilder()('i_quickactions_approve', TRACKED_AT);
  const parsed = JSON.parse(fragment) as Record<string, unknown>;
  for (const value of Object.values(parsed)) expect(typeof value).toBe('string');
  expect(withoutIds(parsed as Record<string, string>)).toEqual(withoutIds(await postedByNodeTracker('i_quickactions_approve')));
  expect(parsed).toMatchObject({ e: 'se', se_ca: CATEGORY, se_ac: 'i_quickactions_approve', se_pr: 'i_quickactions_approve', dtm: String(TRACKED_AT), tna: 'gl', aid: 'gitlab' });
});

test('a batch body is the payload_data envelope around the fragments, each with the sent time', () => {
  const build = createPayloadBuilder({ category: 'C', trackerNamespace: 'ns', appId: 'app' });
  const fragments = ['a', 'b', 'a'].map((event) => build(event, TRACKED_AT));
  const body = JSON.parse(batchBody(fragments, 1234)) as { schema: string; data: Array<Record<string, string>> };
  expect(body.schema).toBe(PAYLOAD_DATA_SCHEMA);
  expect(body.data.map((event) => event.se_ac)).toEqual(['a', 'b', 'a']);
  for (const [i, event] of body.data.entries()) expect(event).toEqual({ stm: '1234', ...(JSON.parse(fragments[i]!) as object) });
  expect(body.data[0]).toMatchObject({ se_ca: 'C', tna: 'ns', aid: 'app' });
  expect(JSON.parse(batchBody([], 1))).toEqual({ schema: PAYLOAD_DATA_SCHEMA, data: [] });
});

test('event names are read off fragments without parsing them', () => {
  const build = createPayloadBuilder();
  expect(eventNameOf(build('g_edit_by_web_ide', TRACKED_AT))).toBe('g_edit_by_web_ide');
  expect(eventNameOf('{"e":"se"}')).toBe('unknown');
  expect(countByEvent([build('a', 1), build('b', 1), build('a', 1)])).toEqual(new Map([['a', 2], ['b', 1]]));
});

test('outbox entries of the previous format become fragments; anything else is refused', () => {
  const legacy = JSON.stringify({ payload: { e: 'se', se_ac: 'x', dtm: 1764064800000, vid: 2 }, svrAnon: false });
  expect(JSON.parse(fragmentOfEntry(legacy)!)).toEqual({ e: 'se', se_ac: 'x', dtm: '1764064800000', vid: '2' });
  const fragment = createPayloadBuilder()('y', TRACKED_AT);
  expect(fragmentOfEntry(fragment)).toBe(fragment);
  expect(fragmentOfEntry('not json')).toBeUndefined();
  expect(fragmentOfEntry('{"payload":[1]}')).toBeUndefined();
  expect(fragmentOfEntry('{"payload":')).toBeUndefined();
});
