// A tp2 POST body made by concatenating stored payload fragments, and what can be read off a fragment without parsing it.

/** The envelope schema of a tp2 POST, as @snowplow/tracker-core sends it. */
export const PAYLOAD_DATA_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';

const BODY_START = `{"schema":"${PAYLOAD_DATA_SCHEMA}","data":[`;
const BODY_END = ']}';
/** Bytes of the envelope around the fragments (tracker-core counts 88 for it). */
export const ENVELOPE_BYTES = Buffer.byteLength(BODY_START + BODY_END);
const SE_AC = '"se_ac":"';

/**
 * The POST body for `fragments` (each the JSON object of one event), with the sent timestamp `stm` added to each
 * event as tracker-core does; built by concatenation, no event is parsed or serialised again.
 */
export function batchBody(fragments: readonly string[], stm: number): string {
  const stmField = `{"stm":"${stm}",`;
  let body = BODY_START;
  for (let i = 0; i < fragments.length; i++) {
    const fragment = fragments[i] ?? '{}';
    body += (i === 0 ? '' : ',') + (fragment.length > 2 ? stmField + fragment.slice(1) : fragment);
  }
  return body + BODY_END;
}

/** A fragment's structured-event action (`se_ac`, the HLL event name), found by search: event names need no escaping. */
export function eventNameOf(fragment: string): string {
  const start = fragment.indexOf(SE_AC);
  if (start < 0) return 'unknown';
  const from = start + SE_AC.length;
  const end = fragment.indexOf('"', from);
  return end < 0 ? 'unknown' : fragment.slice(from, end);
}

/** Events per event name in `fragments`. */
export function countByEvent(fragments: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const fragment of fragments) {
    const event = eventNameOf(fragment);
    counts.set(event, (counts.get(event) ?? 0) + 1);
  }
  return counts;
}

/**
 * An outbox entry as a fragment. Entries written before fragments were stored are tracker-core's EventStorePayload
 * JSON (`{"payload":{…},"svrAnon":…}`): their payload is taken out with string values, so an upgraded process still
 * sends what the previous version left. Undefined for an entry that is neither (it is counted, and still removed in turn).
 */
export function fragmentOfEntry(entry: string): string | undefined {
  if (!entry.startsWith('{"payload":')) return entry.startsWith('{') && entry.endsWith('}') ? entry : undefined;
  try {
    const { payload } = JSON.parse(entry) as { payload?: unknown };
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(payload)) fields[key] = String(value);
    return JSON.stringify(fields);
  } catch {
    return undefined;
  }
}
