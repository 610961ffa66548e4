// Node adapter: serves an embedded PGlite to postgres.js over a private unix socket, so one SQL path serves both modes.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import postgres from 'postgres';
import type { Sql } from './client.js';

export interface EmbeddedDatabase {
  sql: Sql;
  pglite: PGlite;
  close(): Promise<void>;
}

export const clientOptions = {
  onnotice: () => {},
  // postgres.js would otherwise turn bigint results into strings without notice.
  types: { bigint: postgres.BigInt },
} as const;

/** Serves an open PGlite instance through a unix socket and returns a postgres.js client for it. */
export async function serveEmbedded(pglite: PGlite): Promise<EmbeddedDatabase> {
  const path = join(tmpdir(), `breachkit-${process.pid}-${randomUUID().slice(0, 8)}.sock`);
  const server = new PGLiteSocketServer({ db: pglite, path, maxConnections: 1 });
  await server.start();
  // PGlite runs one query at a time: a single connection keeps transactions intact.
  const sql = postgres({ path, max: 1, username: 'postgres', database: 'postgres', idle_timeout: 0, ...clientOptions });
  return {
    sql,
    pglite,
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await pglite.close();
    },
  };
}

/** Opens (creating if needed) a PGlite database persisted in `dir`. */
export async function openEmbedded(dir: string): Promise<EmbeddedDatabase> {
  const pglite = await PGlite.create(dir);
  return serveEmbedded(pglite);
}
