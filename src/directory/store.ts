// SQL for the user directory mirror: batched upserts keyed by external id, and import bookkeeping.
import type { Db } from '../db/client.js';

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
    on conflict (external_id) do update set
      name = excluded.name, email = excluded.email, phone = excluded.phone, locale = excluded.locale,
      country = excluded.country, subdivision = excluded.subdivision, birth_date = excluded.birth_date, minor = excluded.minor,
      guardian_name = excluded.guardian_name, guardian_email = excluded.guardian_email, guardian_phone = excluded.guardian_phone,
      postal_address = excluded.postal_address, account_status = excluded.account_status, deleted_at = excluded.deleted_at,
      data_categories = excluded.data_categories, systems = excluded.systems, created_at = excluded.created_at,
      updated_at = excluded.updated_at, import_id = excluded.import_id, synced_at = excluded.synced_at`;
  return result.count;
}

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
  created_by: string;
  failure: string | null;
}

const importColumns = `id, status, format, source_name, started_at, finished_at, progress_at, lines_read, lines_imported,
  lines_rejected, bytes_read::float8 as bytes_read, created_by, failure`;

export async function insertImport(db: Db, i: { id: string; format: string; sourceName: string | null; at: Date; by: string }): Promise<void> {
  await db`
    insert into directory_imports (id, status, format, source_name, started_at, progress_at, created_by)
    values (${i.id}, 'running', ${i.format}, ${i.sourceName}, ${i.at}, ${i.at}, ${i.by})`;
}

export async function updateImportProgress(
  db: Db,
  id: string,
  p: { linesRead: number; imported: number; rejected: number; bytesRead: number; at: Date; status?: 'completed' | 'failed'; failure?: string },
): Promise<void> {
  await db`
    update directory_imports set lines_read = ${p.linesRead}, lines_imported = ${p.imported}, lines_rejected = ${p.rejected},
      bytes_read = ${p.bytesRead}, progress_at = ${p.at},
      status = ${p.status ?? 'running'}, finished_at = ${p.status ? p.at : null}, failure = ${p.failure ?? null}
    where id = ${id}`;
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

/** One value in COPY's text format. */
function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = Array.isArray(v) ? `{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * PostgreSQL only (PGlite's COPY FROM STDIN hangs): when none of the batch's external ids is in
 * the directory yet, COPY the rows straight in — the common case of a first or growing import.
 * Returns null, having written nothing, when some already exist; the caller then upserts.
 */
export async function copyNewUsers(db: Db, users: DirectoryUser[], importId: string | null, at: Date): Promise<number | null> {
  if (users.length === 0) return 0;
  const latest = [...new Map(users.map((u) => [u.external_id, u])).values()];
  const [existing] = await db<{ n: number }[]>`
    select count(*)::int as n from directory_users where external_id = any(${latest.map((u) => u.external_id)}::text[])`;
  if (existing!.n > 0) return null;
  const syncedAt = at.toISOString();
  const text = latest
    .map((u) => copyColumns.map((c) => copyValue(c === 'import_id' ? importId : c === 'synced_at' ? syncedAt : (u as unknown as Record<string, unknown>)[c])).join('\t'))
    .join('\n') + '\n';
  const writable = await db`copy directory_users (${db.unsafe(copyColumns.join(', '))}) from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    writable.on('error', reject);
    writable.end(text, () => resolve());
  });
  return latest.length;
}
