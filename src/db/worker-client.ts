// The postgres.js client on Workers: one per request or invocation, without the type look-up a fresh connection would otherwise make.
import postgres from 'postgres';
import type { Sql } from './client.js';
import { arrayTypes } from './array-types.js';

/**
 * `fetch_types: false` spares a round trip per client; the array types it would have fetched are given
 * here instead, and int8 reads as bigint as on Node. The request (or invocation) context closes the socket:
 * calling end() on Workers leaves an unhandled rejection behind.
 */
export function connectWorkerDatabase(url: string): Sql {
  return postgres(url, { max: 1, fetch_types: false, onnotice: () => {}, types: { bigint: postgres.BigInt, ...arrayTypes } }) as unknown as Sql;
}
