// Test databases: a fresh PGlite per test file, and a fresh schema on the real Postgres when TEST_DATABASE_URL is set.
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { serveEmbedded } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../../src/db/node.js';

export type DbMode = 'pglite' | 'postgres';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL;
export const dbModes: DbMode[] = testDatabaseUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  mode: DbMode;
  sql: Sql;
  /** Postgres only: the schema this file owns. */
  schema?: string;
  close(): Promise<void>;
}

export async function createTestDatabase(mode: DbMode, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const db = mode === 'pglite' ? await freshPglite() : await freshSchema();
  if (options.migrate !== false) await migrate(db.sql, readMigrations());
  return db;
}

export async function freshPglite(): Promise<TestDatabase> {
  const template = readFileSync(inject('pgliteTemplate'));
  const pglite = await PGlite.create({ loadDataDir: new Blob([template]) });
  const embedded = await serveEmbedded(pglite);
  return { mode: 'pglite', sql: embedded.sql, close: () => embedded.close() };
}

export async function freshSchema(max = 10): Promise<TestDatabase> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = connectPostgres(testDatabaseUrl, 1);
  await admin.unsafe(`create schema ${schema}`);
  await admin.end();
  const sql = connectPostgres(testDatabaseUrl, max, { connection: { search_path: schema } });
  return {
    mode: 'postgres',
    sql,
    schema,
    async close() {
      await sql.end({ timeout: 5 });
      const cleanup = connectPostgres(testDatabaseUrl!, 1);
      await cleanup.unsafe(`drop schema if exists ${schema} cascade`);
      await cleanup.end();
    },
  };
}

/** A second client on the same Postgres schema (to act as another process). */
export function connectToSchema(schema: string, max = 5): Sql {
  return connectPostgres(testDatabaseUrl!, max, { connection: { search_path: schema } });
}
