// The directory mirror: streaming imports that keep every valid line and report every bad one.
import type { Db } from '../db/client.js';
import { pgErrorCode } from '../db/client.js';
import { NotFoundError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import * as store from './store.js';

export type { DirectoryUser, ImportRow } from './store.js';

import type { LineProblem } from './record.js';
export type { LineProblem } from './record.js';

/** One line of an import, after parsing and validation. */
export type ParsedLine =
  | { line: number; user: store.DirectoryUser }
  | { line: number; problems: LineProblem[]; raw: string | null };

export interface ImportInput {
  lines: AsyncIterable<ParsedLine>;
  format: string;
  sourceName: string | null;
  actorId: string;
  clock: Clock;
  /** Bytes consumed so far, for progress. */
  bytesRead?: () => number;
  batchSize?: number;
  /** The database takes COPY FROM STDIN (PostgreSQL; not the embedded PGlite). */
  copy?: boolean;
  onProgress?: (row: Pick<store.ImportRow, 'lines_read' | 'lines_imported' | 'lines_rejected' | 'bytes_read'>) => void;
}

const rawKeptLimit = 64 * 1024;

/**
 * Streams the lines into the directory in batches, each committed on its own: a failure late in
 * a file keeps everything before it, and progress is visible to readers while it runs.
 */
export async function runImport(db: Db, input: ImportInput): Promise<store.ImportRow> {
  const id = newId('imp', input.clock.now());
  await store.insertImport(db, { id, format: input.format, sourceName: input.sourceName, at: input.clock.now(), by: input.actorId });
  const batchSize = input.batchSize ?? 5000;
  let users: store.DirectoryUser[] = [];
  let rejects: { line: number; problems: LineProblem[]; raw: string | null }[] = [];
  const counts = { linesRead: 0, imported: 0, rejected: 0 };
  const progress = () => ({ ...counts, bytesRead: input.bytesRead?.() ?? 0, at: input.clock.now() });

  const write = async (batch: store.DirectoryUser[], batchRejects: typeof rejects) => {
    if (batch.length) {
      // Counted in lines: a later line for the same external id replaces the earlier one.
      if (!input.copy || (await copyOrNull(db, batch, id, input.clock.now())) === null) await store.upsertUsers(db, batch, id, input.clock.now());
      counts.imported += batch.length;
    }
    await store.insertRejects(db, id, batchRejects);
    const p = progress();
    await store.updateImportProgress(db, id, p);
    input.onProgress?.({ lines_read: p.linesRead, lines_imported: p.imported, lines_rejected: p.rejected, bytes_read: p.bytesRead });
  };
  // One batch is written while the next is read and checked, so parsing and the database work side
  // by side; writes still happen one at a time and in order.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = users;
    const batchRejects = rejects;
    users = [];
    rejects = [];
    await writing;
    const next = write(batch, batchRejects);
    // Observed at once (the error surfaces at the next await), so a failure is never "unhandled".
    next.catch(() => undefined);
    writing = next;
  };

  try {
    for await (const item of input.lines) {
      counts.linesRead++;
      if ('user' in item) users.push(item.user);
      else {
        counts.rejected++;
        rejects.push({ line: item.line, problems: item.problems, raw: item.raw !== null && item.raw.length <= rawKeptLimit ? item.raw : null });
      }
      if (users.length + rejects.length >= batchSize) await flush();
    }
    await flush();
    await writing;
    if (counts.imported > 10_000) await store.analyzeUsers(db);
    await store.updateImportProgress(db, id, { ...progress(), status: 'completed' });
  } catch (err) {
    await writing.catch(() => undefined);
    // The reason is ours to word: a driver or parser message could quote personal data.
    const failure = err instanceof ImportAbortedError ? err.message : 'the import stopped on an unexpected error; lines before it were kept';
    await store.updateImportProgress(db, id, { ...progress(), status: 'failed', failure });
    throw err;
  }
  return (await store.selectImport(db, id))!;
}

export class ImportAbortedError extends Error {}

/** COPY when every id is new; a concurrent writer adding one of them first sends the batch to the upsert. */
async function copyOrNull(db: Db, users: store.DirectoryUser[], importId: string, at: Date): Promise<number | null> {
  try {
    return await store.copyNewUsers(db, users, importId, at);
  } catch (err) {
    if (pgErrorCode(err) === '23505') return null;
    throw err;
  }
}

export async function getImport(db: Db, id: string): Promise<store.ImportRow> {
  const row = await store.selectImport(db, id);
  if (!row) throw new NotFoundError('directory import', id);
  return row;
}

export const listImports = (db: Db, limit: number) => store.selectImports(db, limit);
export const pageRejects = (db: Db, importId: string, afterLine: number, limit: number) => store.selectRejects(db, importId, afterLine, limit);
