// Idempotent requests: the first response to a key is stored and replayed; another body under the same key is refused.
import type { Db, TxSql } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { IdempotencyKeyReusedError } from '../errors.js';

export interface IdempotencyScope {
  principalId: string;
  route: string;
  key: string;
  requestHash: string;
  now: Date;
}

export interface StoredResponse<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/**
 * Runs `work` once per key. The key row is inserted first, in the same transaction as the
 * work: a concurrent request with the same key waits on that row and then replays the result.
 */
export async function runOnce<T>(db: Db, scope: IdempotencyScope, work: (tx: TxSql) => Promise<{ status: number; body: T }>): Promise<StoredResponse<T>> {
  return inTransaction(db, async (tx) => {
    const claimed = await tx`
      insert into idempotency_keys (principal_id, route, key, request_hash, created_at)
      values (${scope.principalId}, ${scope.route}, ${scope.key}, ${scope.requestHash}, ${scope.now})
      on conflict do nothing
      returning key`;
    if (claimed.length === 0) {
      const [prior] = await tx<{ request_hash: string; status: number; body: T }[]>`
        select request_hash, status, body from idempotency_keys
        where principal_id = ${scope.principalId} and route = ${scope.route} and key = ${scope.key}`;
      if (!prior || prior.request_hash !== scope.requestHash) throw new IdempotencyKeyReusedError();
      return { status: prior.status, body: prior.body, replayed: true };
    }
    const result = await work(tx);
    await tx`
      update idempotency_keys set status = ${result.status}, body = ${tx.json(result.body as never)}
      where principal_id = ${scope.principalId} and route = ${scope.route} and key = ${scope.key}`;
    return { ...result, replayed: false };
  });
}
