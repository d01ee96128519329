// The worker's payload converter: Temporal's default, except that a payload it cannot decode becomes a marker value.
//
// A signal whose payload is in an unknown encoding (or is not valid JSON) would otherwise throw before any handler
// runs; the signal is in history, so every retry of the workflow task would throw again and wedge the rollout.
// With this converter the handler receives an UndecodablePayload and refuses the message like any other bad input.
import { defaultPayloadConverter, type Payload, type PayloadConverter } from '@temporalio/common';

const MARKER = '__undecodablePayload';

/** What a handler receives in place of a payload the converter could not decode. */
export interface UndecodablePayload {
  [MARKER]: { encoding: string; error: string };
}

export function isUndecodablePayload(value: unknown): value is UndecodablePayload {
  return typeof value === 'object' && value !== null && MARKER in value;
}

/** The encoding and error of an undecodable payload, for a refusal message. */
export function describeUndecodablePayload(value: UndecodablePayload): string {
  const { encoding, error } = value[MARKER];
  return `the payload could not be decoded (encoding ${JSON.stringify(encoding)}: ${error}); send JSON (json/plain)`;
}

class TolerantPayloadConverter implements PayloadConverter {
  toPayload<T>(value: T): Payload {
    return defaultPayloadConverter.toPayload(value);
  }

  fromPayload<T>(payload: Payload): T {
    try {
      return defaultPayloadConverter.fromPayload<T>(payload);
    } catch (error) {
      const marker: UndecodablePayload = {
        [MARKER]: { encoding: printable(payload.metadata?.encoding), error: (error instanceof Error ? error.message : String(error)).slice(0, 200) },
      };
      return marker as T;
    }
  }
}

/** Up to 64 bytes of an encoding name, non-printable bytes shown as "?" (no TextDecoder in the workflow sandbox). */
function printable(bytes: Uint8Array | null | undefined): string {
  if (!bytes) return '(none)';
  return Array.from(bytes.slice(0, 64), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
}

export const payloadConverter: PayloadConverter = new TolerantPayloadConverter();
