// Registers the rollout's search attributes through a server's operator service: for the time-skipping test server
// (which takes no command-line flags) and for existing clusters; the dev server gets them on its command line.
import type { Connection } from '@temporalio/client';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const GRPC_ALREADY_EXISTS = 6;

/** temporal.api.enums.v1.IndexedValueType (protobuf numbers, stable across versions). */
const INDEXED_VALUE_TYPE = { Keyword: 2, Int: 3 } as const;

/**
 * Adds every rollout search attribute to `namespace`, one request each, so one that exists already (ALREADY_EXISTS from
 * the test server; a real server accepts a repeat of the same type) does not stop the others. Safe to call again.
 */
export async function registerRolloutSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace = 'default'): Promise<void> {
  for (const { name, type } of ROLLOUT_SEARCH_ATTRIBUTES) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [name]: INDEXED_VALUE_TYPE[type] },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) {
        throw new Error(`could not register search attribute ${name} (${type}) in namespace ${namespace}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
