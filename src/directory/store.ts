// SQL for the user directory mirror: batched upserts keyed by external id, and import bookkeeping.
import type { Db, Sql } from '../db/client.js';
import { inTransaction } from '../db/client.js';

/** One user as stored in the directory mirror. */
export interface DirectoryUser {
  external_id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  locale?: string | null;
  country?: string | null;
  subdivision?: string | null;
  birth_date?: string | null;
  minor?: boolean | null;
  guardian_name?: string | null;
  guardian_email?: string | null;
  guardian_phone?: string | null;
  postal_address?: Record<string, unknown> | null;
  account_status: 'active' | 'deleted';
  deleted_at?: string | null;
  data_categories: string[];
  systems: string[];
  created_at: string;
  updated_at: string;
}

/**
 * Inserts or updates a batch in one statement. The batch travels as one jsonb value, which
 * PGlite and PostgreSQL both take; a later line for the same external id wins.
 */
export async function upsertUsers(db: Db, users: DirectoryUser[], importId: string | null, at: Date): Promise<number> {
  if (users.length === 0) return 0;
  const latest = new Map(users.map((u) => [u.external_id, u]));
  const result = await db`
    insert into directory_users (external_id, name, email, phone, locale, country, subdivision, birth_date, minor,
      guardian_name, guardian_email, guardian_phone, postal_address, account_status, deleted_at, data_categories, systems,
      created_at, updated_at, import_id, synced_at)
    select r.external_id, r.name, r.email, r.phone, r.locale, r.country, r.subdivision, r.birth_date, r.minor,
      r.guardian_name, r.guardian_email, r.guardian_phone, r.postal_address, r.account_status, r.deleted_at,
      coalesce(r.data_categories, '{}'), coalesce(r.systems, '{}'), r.created_at, r.updated_at, ${importId}, ${at}
    from jsonb_to_recordset(${db.json([...latest.values()] as never)}::jsonb) as r(
      external_id text, name text, email text, phone text, locale text, country text, subdivision text, birth_date date,
      minor boolean, guardian_name text, guardian_email text, guardian_phone text, postal_address jsonb, account_status text,
      deleted_at timestamptz, data_categories text[], systems text[], created_at timestamptz, updated_at timestamptz)
    on conflict (external_id) do update set ${db.unsafe(updateFromExcluded)}`;
  return result.count;
}

/** Every column but the external id, taken from the incoming row of an upsert. */
const updateFromExcluded = `
  name = excluded.name, email = excluded.email, phone = excluded.phone, locale = excluded.locale,
  country = excluded.country, subdivision = excluded.subdivision, birth_date = excluded.birth_date, minor = excluded.minor,
  guardian_name = excluded.guardian_name, guardian_email = excluded.guardian_email, guardian_phone = excluded.guardian_phone,
  postal_address = excluded.postal_address, account_status = excluded.account_status, deleted_at = excluded.deleted_at,
  data_categories = excluded.data_categories, systems = excluded.systems, created_at = excluded.created_at,
  updated_at = excluded.updated_at, import_id = excluded.import_id, synced_at = excluded.synced_at`;

export interface ImportRow {
  id: string;
  status: 'running' | 'completed' | 'failed';
  format: string;
  source_name: string | null;
  started_at: Date;
  finished_at: Date | null;
  progress_at: Date;
  lines_read: number;
  lines_imported: number;
  lines_rejected: number;
  bytes_read: number;
  rejects_stored: number;
  created_by: string;
  failure: string | null;
}

// Counts are bigint in the table and numbers here (exact up to 2^53).
const importColumns = `id, status, format, source_name, started_at, finished_at, progress_at, lines_read::float8 as lines_read,
  lines_imported::float8 as lines_imported, lines_rejected::float8 as lines_rejected, bytes_read::float8 as bytes_read,
  rejects_stored::float8 as rejects_stored, created_by, failure`;

export async function insertImport(db: Db, i: { id: string; format: string; sourceName: string | null; at: Date; by: string }): Promise<void> {
  await db`
    insert into directory_imports (id, status, format, source_name, started_at, progress_at, created_by)
    values (${i.id}, 'running', ${i.format}, ${i.sourceName}, ${i.at}, ${i.at}, ${i.by})`;
}

export async function updateImportProgress(
  db: Db,
  id: string,
  p: { linesRead: number; imported: number; rejected: number; rejectsStored: number; bytesRead: number; at: Date; status?: 'completed' | 'failed'; failure?: string },
): Promise<void> {
  await db`
    update directory_imports set lines_read = ${p.linesRead}, lines_imported = ${p.imported}, lines_rejected = ${p.rejected},
      rejects_stored = ${p.rejectsStored}, bytes_read = ${p.bytesRead}, progress_at = ${p.at},
      status = ${p.status ?? 'running'}, finished_at = ${p.status ? p.at : null}, failure = ${p.failure ?? null}
    where id = ${id}`;
}

/** A sign of life from a running import that has had nothing to write for a while. */
export async function touchImport(db: Db, id: string, at: Date): Promise<void> {
  await db`update directory_imports set progress_at = ${at} where id = ${id} and status = 'running'`;
}

/**
 * Marks failed the imports still `running` with no sign of life since `before` (every one, when
 * `before` is null): the process running them stopped without finishing them.
 */
export async function failSilentImports(db: Db, before: Date | null, at: Date, failure: string): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    update directory_imports set status = 'failed', finished_at = ${at}, failure = ${failure}
    where status = 'running' and (${before}::timestamptz is null or progress_at < ${before}::timestamptz)
    returning id`;
  return rows.map((r) => r.id);
}

export async function insertRejects(db: Db, importId: string, rejects: { line: number; problems: unknown; raw: string | null }[]): Promise<void> {
  if (rejects.length === 0) return;
  await db`
    insert into directory_import_rejects (import_id, line, problems, raw)
    select ${importId}, r.line, r.problems, r.raw
    from jsonb_to_recordset(${db.json(rejects as never)}::jsonb) as r(line int, problems jsonb, raw text)
    on conflict do nothing`;
}

export async function selectImport(db: Db, id: string): Promise<ImportRow | undefined> {
  const [row] = await db<ImportRow[]>`select ${db.unsafe(importColumns)} from directory_imports where id = ${id}`;
  return row;
}

export async function selectImports(db: Db, limit: number): Promise<ImportRow[]> {
  return db<ImportRow[]>`select ${db.unsafe(importColumns)} from directory_imports order by started_at desc, id desc limit ${limit}`;
}

export async function selectRejects(db: Db, importId: string, afterLine: number, limit: number): Promise<{ line: number; problems: unknown; raw: string | null }[]> {
  return db<{ line: number; problems: unknown; raw: string | null }[]>`
    select line, problems, raw from directory_import_rejects where import_id = ${importId} and line > ${afterLine} order by line limit ${limit}`;
}

/** Fresh statistics after a bulk load: the embedded database has no autovacuum to do it. */
export async function analyzeUsers(db: Db): Promise<void> {
  await db`analyze directory_users`;
}

const copyColumns = [
  'external_id', 'name', 'email', 'phone', 'locale', 'country', 'subdivision', 'birth_date', 'minor', 'guardian_name', 'guardian_email',
  'guardian_phone', 'postal_address', 'account_status', 'deleted_at', 'data_categories', 'systems', 'created_at', 'updated_at', 'import_id', 'synced_at',
] as const;

const copySpecial = /[\\\t\n\r]/;
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Text in COPY's text format: most values need no escaping, so they are only scanned. */
function copyText(s: string): string {
  return copySpecial.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c]!) : s;
}

const arrayItem = (x: string) => `"${/["\\]/.test(x) ? x.replace(/["\\]/g, '\\$&') : x}"`;

/** One value in COPY's text format. */
function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyText(v);
  if (Array.isArray(v)) return copyText(`{${v.map((x) => arrayItem(String(x))).join(',')}}`);
  return copyText(typeof v === 'object' ? JSON.stringify(v) : String(v));
}

/** One directory_users row in COPY's text format, columns as in `copyColumns`. */
function copyRow(u: DirectoryUser, tail: string): string {
  return `${copyValue(u.external_id)}\t${copyValue(u.name)}\t${copyValue(u.email)}\t${copyValue(u.phone)}\t${copyValue(u.locale)}\t${copyValue(u.country)}\t${copyValue(u.subdivision)}\t${copyValue(u.birth_date)}\t${copyValue(u.minor)}\t${copyValue(u.guardian_name)}\t${copyValue(u.guardian_email)}\t${copyValue(u.guardian_phone)}\t${copyValue(u.postal_address)}\t${copyValue(u.account_status)}\t${copyValue(u.deleted_at)}\t${copyValue(u.data_categories)}\t${copyValue(u.systems)}\t${copyValue(u.created_at)}\t${copyValue(u.updated_at)}\t${tail}\n`;
}

const encoder = new TextEncoder();
const pieceBytes = 256 * 1024;

/**
 * A batch of users on its way to COPY (PostgreSQL only: PGlite's COPY FROM STDIN hangs), each
 * encoded as it is added. The users themselves are not kept: their objects die young instead of
 * living until the batch is written, which is most of an import's memory.
 */
export class CopyBatch {
  readonly ids: string[] = [];
  /** Some external id was added twice. */
  repeated = false;
  private readonly seen = new Set<string>();
  private readonly pieces: Uint8Array[] = [];
  private piece = new Uint8Array(pieceBytes);
  private at = 0;
  private readonly tail: string;

  constructor(importId: string | null, syncedAt: Date) {
    this.tail = `${copyValue(importId)}\t${copyValue(syncedAt.toISOString())}`;
  }

  get size(): number {
    return this.ids.length;
  }

  add(u: DirectoryUser): void {
    this.ids.push(u.external_id);
    if (this.seen.size === this.seen.add(u.external_id).size) this.repeated = true;
    const row = copyRow(u, this.tail);
    // A UTF-16 unit takes at most three bytes.
    if (this.piece.length - this.at < row.length * 3) {
      if (this.at > 0) this.pieces.push(this.piece.subarray(0, this.at));
      this.piece = new Uint8Array(Math.max(pieceBytes, row.length * 3));
      this.at = 0;
    }
    this.at += encoder.encodeInto(row, this.piece.subarray(this.at)).written;
  }

  /** The encoded rows, in the order they were added. */
  bytes(): Uint8Array[] {
    return this.at > 0 ? [...this.pieces, this.piece.subarray(0, this.at)] : [...this.pieces];
  }
}

async function copyInto(db: Db, table: 'directory_users' | 'directory_incoming', batch: CopyBatch): Promise<void> {
  const writable = await db`copy ${db(table)} (${db.unsafe(copyColumns.join(', '))}) from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    writable.on('error', reject);
    for (const piece of batch.bytes()) writable.write(piece);
    writable.end(() => resolve());
  });
}

/**
 * Writes a batch: COPY when its ids are distinct and none is in the directory yet (a first or
 * growing import), otherwise COPY into a scratch table and one INSERT … ON CONFLICT from it, a
 * later line for the same external id winning. Imports write one batch at a time (a lock for
 * the transaction), so no id can arrive between the check and the COPY: a COPY failing half way
 * could not be told apart from one still running.
 */
export async function writeBatch(db: Db, batch: CopyBatch): Promise<'copied' | 'merged'> {
  if (batch.size === 0) return 'copied';
  return inTransaction(db, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(current_schema() || '.directory_users'))`;
    if (!batch.repeated) {
      const [existing] = await tx<{ n: number }[]>`
        select count(*)::int as n from directory_users where external_id = any(${batch.ids}::text[])`;
      if (existing!.n === 0) {
        await copyInto(tx, 'directory_users', batch);
        return 'copied';
      }
    }
    const columns = tx.unsafe(copyColumns.join(', '));
    await tx`create temp table directory_incoming on commit drop as select ${columns} from directory_users with no data`;
    await tx`alter table directory_incoming add column line bigint generated always as identity`;
    await copyInto(tx, 'directory_incoming', batch);
    await tx`
      insert into directory_users (${columns})
      select distinct on (external_id) ${columns} from directory_incoming order by external_id, line desc
      on conflict (external_id) do update set ${tx.unsafe(updateFromExcluded)}`;
    return 'merged';
  });
}

/**
 * The directory's secondary indexes, as migration 002 made them. A bulk load drops them and
 * builds them again at its end: building an index once is far cheaper than keeping it up to date
 * row by row. The primary key and the unique external id stay, so upserts stay correct.
 */
const secondaryIndexes: [name: string, definition: string][] = [
  ['directory_users_categories', 'using gin (data_categories)'],
  ['directory_users_systems', 'using gin (systems)'],
  ['directory_users_region', '(country, subdivision)'],
  ['directory_users_created', '(created_at)'],
];

/** Held (on one session, per schema) by the import that is bulk loading; a crash releases it with the session. */
const bulkLoadLock = 0x62_6b_64_69; // "bkdi"

/** Rows in the directory as the planner estimates them: cheap, and counted when never estimated yet. */
export async function estimateUsers(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`
    select case when reltuples < 0 then (select count(*) from directory_users)::float8 else reltuples::float8 end as n
    from pg_class where oid = 'directory_users'::regclass`;
  return row?.n ?? 0;
}

export async function tryBulkLoadLock(session: Db): Promise<boolean> {
  const [row] = await session<{ ok: boolean }[]>`select pg_try_advisory_lock(${bulkLoadLock}, hashtext(current_schema())) as ok`;
  return row!.ok;
}

export async function releaseBulkLoadLock(session: Db): Promise<void> {
  await session`select pg_advisory_unlock(${bulkLoadLock}, hashtext(current_schema()))`;
}

export async function dropSecondaryIndexes(db: Db): Promise<void> {
  for (const [name] of secondaryIndexes) await db`drop index if exists ${db(name)}`;
}

/** The secondary indexes that are not there (a bulk load is running, or one stopped half way). */
export async function missingSecondaryIndexes(db: Db): Promise<string[]> {
  const present = await db<{ indexname: string }[]>`
    select indexname from pg_indexes where schemaname = current_schema() and tablename = 'directory_users'`;
  const names = new Set(present.map((r) => r.indexname));
  return secondaryIndexes.map(([name]) => name).filter((name) => !names.has(name));
}

/**
 * Builds the missing secondary indexes, side by side on as many connections as the pool gives.
 * Each build holds a lock named after its index, so two imports never build the same one at once.
 */
export async function buildSecondaryIndexes(db: Db, names: string[]): Promise<void> {
  const build = async (tx: Db, name: string, definition: string) => {
    await tx`select pg_advisory_xact_lock(hashtext(current_schema() || '.' || ${name}))`;
    await tx`create index if not exists ${tx(name)} on directory_users ${tx.unsafe(definition)}`;
  };
  const wanted = secondaryIndexes.filter(([name]) => names.includes(name));
  if ('savepoint' in db) {
    for (const [name, definition] of wanted) await build(db, name, definition);
    return;
  }
  await Promise.all(wanted.map(([name, definition]) => (db as Sql).begin((tx) => build(tx, name, definition))));
}
