// A local Iglu registry: the project's self-describing JSON schemas (iglu/schemas), the ones Snowplow Micro is given too.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** Where the schemas live, laid out as Iglu does: `<vendor>/<name>/<format>/<version>`. */
export const IGLU_SCHEMAS_DIR = resolve(__dirname, '..', 'iglu', 'schemas');

const IGLU_URI = /^iglu:([a-zA-Z0-9-_.]+)\/([a-zA-Z0-9-_]+)\/([a-zA-Z0-9-_]+)\/([0-9]+-[0-9]+-[0-9]+)$/;

export interface IgluRegistry {
  /** Problems of `data` against the schema `uri` names (none: valid); an unknown schema is a problem too. */
  validate(uri: string, data: unknown): string[];
}

export function igluRegistry(dir = IGLU_SCHEMAS_DIR): IgluRegistry {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const compiled = new Map<string, ValidateFunction | null>();
  const validatorOf = (uri: string): ValidateFunction | null => {
    if (!compiled.has(uri)) {
      const match = IGLU_URI.exec(uri);
      const file = match ? join(dir, match[1]!, match[2]!, match[3]!, match[4]!) : null;
      if (file === null || !existsSync(file)) compiled.set(uri, null);
      else {
        // The self-describing meta-schema and `self` are Iglu's; the rest is plain JSON Schema.
        const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        delete schema.$schema;
        delete schema.self;
        compiled.set(uri, ajv.compile(schema));
      }
    }
    return compiled.get(uri)!;
  };
  return {
    validate(uri, data) {
      const validate = validatorOf(uri);
      if (validate === null) return [`schema ${uri} is not in the registry (${dir})`];
      if (validate(data)) return [];
      return (validate.errors ?? []).map((e) => `${uri}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    },
  };
}
