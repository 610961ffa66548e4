// Node adapter: opens the configured database (embedded PGlite or a Postgres URL) and runs migrations.
import { connect as connectSocket, type Socket } from 'node:net';
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { Config } from '../config.js';
import { pgErrorCode, type Sql } from './client.js';
import { clientOptions, openEmbedded } from './embedded.js';
import { migrate, migrationsFromFiles, type Migration } from './migrate.js';

export interface OpenDatabase {
  sql: Sql;
  mode: 'embedded' | 'postgres';
  where: string;
  close(): Promise<void>;
}

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export function readMigrations(dir = migrationsDir): Migration[] {
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
  return migrationsFromFiles(files);
}

/**
 * Sockets for postgres.js with Nagle's algorithm off, as libpq has them. postgres.js leaves it
 * on, and a message sent in pieces (a COPY's rows and then its end, say) waits each time for the
 * server's delayed acknowledgement, about 40 ms on Linux: 1,000,000 rows in COPYs of 2,000 took
 * 28 s that way, 8 s without. Hosts are taken in turn, as postgres.js does.
 */
function noDelaySockets() {
  let next = 0;
  return (options: { host: string[]; port: number[]; path: string | false }): Socket => {
    if (options.path) return connectSocket({ path: options.path });
    const i = next++ % options.host.length;
    const host = options.host[i]!;
    const socket = connectSocket({ host, port: options.port[i] ?? options.port[0] ?? 5432, noDelay: true });
    // postgres.js names the TLS server after it.
    return Object.assign(socket, { host });
  };
}

export function connectPostgres(url: string, max: number, extra: postgres.Options<Record<string, postgres.PostgresType>> = {}): Sql {
  // postgres.js documents the socket option, but its types leave it out.
  const sockets: object = { socket: noDelaySockets() };
  return postgres(url, { max, ...clientOptions, ...sockets, ...extra });
}

/** PGlite keeps its files for one process only: a lock file says which. */
function lockDataDir(dir: string): () => void {
  const lockPath = join(dir, 'breachkit.lock');
  try {
    const fd = openSync(lockPath, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
  } catch {
    const holder = Number(readFileSync(lockPath, 'utf8'));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = holder !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) {
      throw new StartError(`DATA_DIR: ${dir} is in use by process ${holder}; the embedded database serves one process. Stop it, or set DATABASE_URL to share a Postgres server.`);
    }
    writeFileSync(lockPath, String(process.pid));
  }
  return () => {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
}

/** A start that cannot go on, in one line naming the setting at fault. */
export class StartError extends Error {}

const connectionFailures: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is PostgreSQL running there?)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  CONNECT_TIMEOUT: 'the connection timed out',
  '28P01': 'the password was refused',
  '28000': 'the user is not allowed in',
  '3D000': 'the database does not exist',
};

/** Says which setting a failed first connection is about, without the password. */
function connectionError(err: unknown, where: string): unknown {
  const reason = connectionFailures[pgErrorCode(err) ?? ''];
  return reason ? new StartError(`DATABASE_URL: cannot use PostgreSQL at ${where}: ${reason}`) : err;
}

export async function openDatabase(config: Config): Promise<OpenDatabase> {
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    const where = `${url.hostname}:${url.port || 5432}${url.pathname}`;
    const sql = connectPostgres(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
    try {
      await migrate(sql, readMigrations());
    } catch (err) {
      await sql.end({ timeout: 1 }).catch(() => undefined);
      throw connectionError(err, where);
    }
    return { sql, mode: 'postgres', where, close: () => sql.end({ timeout: 5 }) };
  }
  const dir = resolve(config.DATA_DIR);
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    const embedded = await openEmbedded(join(dir, 'pg'));
    await migrate(embedded.sql, readMigrations());
    return {
      sql: embedded.sql,
      mode: 'embedded',
      where: join(dir, 'pg'),
      async close() {
        await embedded.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
