// The postgres.js client type and the one transaction helper every store uses.
import type postgres from 'postgres';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;
/** A client or an open transaction: store functions accept either. */
export type Db = Sql | TxSql;
/** A piece of SQL built with a client, to be placed inside another statement. */
export type Fragment = postgres.Fragment;

/** Runs `fn` in a transaction, joining the caller's transaction when there already is one. */
export async function inTransaction<T>(db: Db, fn: (tx: TxSql) => Promise<T>): Promise<T> {
  if ('savepoint' in db) return fn(db);
  return (await (db as Sql).begin((tx) => fn(tx))) as T;
}

/** postgres.js error codes we act on. */
export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
