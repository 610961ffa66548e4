// The directory mirror: streaming imports that keep every valid line and report every bad one.
import type { Db } from '../db/client.js';
import { NotFoundError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { nextTurn } from '../lib/sleep.js';
import type { ImportSource } from './import-lines.js';
import { encodeChunk, type ParsedLine, type RejectedLine } from './parse-block.js';
import * as store from './store.js';

export type { DirectoryUser, ImportRow } from './store.js';
export type { LineProblem } from './record.js';
export type { ParsedLine } from './parse-block.js';

export interface ImportInput {
  /** The file, parsed a stretch at a time (see `importLinesFrom`). */
  source: ImportSource;
  format: string;
  sourceName: string | null;
  actorId: string;
  clock: Clock;
  batchSize?: number;
  /** The database takes COPY FROM STDIN (PostgreSQL; not the embedded PGlite). */
  copy?: boolean;
  /** With COPY: rows an import brings in before it may switch to bulk loading (see `bulkLoader`). */
  bulkAfter?: number;
  onProgress?: (row: Pick<store.ImportRow, 'lines_read' | 'lines_imported' | 'lines_rejected' | 'bytes_read'>) => void;
}

/** An import source over lines parsed already. */
export function sourceOfLines(lines: AsyncIterable<ParsedLine[]>): ImportSource {
  return {
    async *chunks(copyTail) {
      for await (const chunk of lines) yield copyTail ? encodeChunk(chunk, copyTail()) : { kind: 'lines', lines: chunk };
    },
    bytesRead: () => 0,
  };
}

const rawKeptLimit = 64 * 1024;
const kept = (r: RejectedLine): RejectedLine => ({ line: r.line, problems: r.problems, raw: r.raw !== null && r.raw.length <= rawKeptLimit ? r.raw : null });

/**
 * Streams the lines into the directory in batches, each committed on its own: a failure late in
 * a file keeps everything before it, and progress is visible to readers while it runs.
 */
export async function runImport(db: Db, input: ImportInput): Promise<store.ImportRow> {
  const id = newId('imp', input.clock.now());
  await store.insertImport(db, { id, format: input.format, sourceName: input.sourceName, at: input.clock.now(), by: input.actorId });
  // Measured on PostgreSQL (bench:affected): 10,000-row COPYs load about a fifth faster than
  // 5,000-row ones, and larger ones no faster.
  const batchSize = input.batchSize ?? 10_000;
  // With COPY, users arrive encoded for it (see `store.CopyRows`), and only their bytes are kept.
  let users: store.DirectoryUser[] = [];
  let copied = new store.CopyBatch();
  let rejects: RejectedLine[] = [];
  const counts = { linesRead: 0, imported: 0, rejected: 0 };
  const progress = () => ({ ...counts, bytesRead: input.source.bytesRead(), at: input.clock.now() });

  const bulk = input.copy ? await bulkLoader(db, input.bulkAfter ?? 100_000) : null;

  const write = async (batch: store.DirectoryUser[], rows: store.CopyBatch, batchRejects: RejectedLine[]) => {
    // Counted in lines: a later line for the same external id replaces the earlier one.
    if (rows.rows) {
      await bulk?.consider(counts.imported);
      await store.writeBatch(db, rows);
      counts.imported += rows.rows;
    } else if (batch.length) {
      await store.upsertUsers(db, batch, id, input.clock.now());
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
  let inFlight = false;
  const flush = async () => {
    const batch = users;
    const rows = copied;
    const batchRejects = rejects;
    users = [];
    copied = new store.CopyBatch();
    rejects = [];
    await writing;
    const next = write(batch, rows, batchRejects);
    inFlight = true;
    void next.finally(() => (inFlight = false)).catch(() => undefined);
    // Observed at once (the error surfaces at the next await), so a failure is never "unhandled".
    next.catch(() => undefined);
    writing = next;
  };

  try {
    const tail = input.copy ? () => store.copyTail(id, input.clock.now()) : null;
    for await (const chunk of input.source.chunks(tail)) {
      if (chunk.kind === 'lines') {
        for (const item of chunk.lines) {
          counts.linesRead++;
          if ('user' in item) users.push(item.user);
          else {
            counts.rejected++;
            rejects.push(kept(item));
          }
          if (users.length + rejects.length >= batchSize) await flush();
        }
      } else {
        counts.linesRead += chunk.read;
        counts.rejected += chunk.rejects.length;
        copied.add(chunk.bytes, chunk.ids);
        for (const r of chunk.rejects) rejects.push(kept(r));
        if (copied.rows + rejects.length >= batchSize) await flush();
      }
      // A source that never waits on I/O would otherwise keep the write's bytes from the socket.
      if (inFlight) await nextTurn();
    }
    await flush();
    await writing;
    await bulk?.finish();
    if (counts.imported > 10_000) await store.analyzeUsers(db);
    await store.updateImportProgress(db, id, { ...progress(), status: 'completed' });
  } catch (err) {
    await writing.catch(() => undefined);
    await bulk?.finish().catch(() => undefined);
    // The reason is ours to word: a driver or parser message could quote personal data.
    const failure = err instanceof ImportAbortedError ? err.message : 'the import stopped on an unexpected error; lines before it were kept';
    await store.updateImportProgress(db, id, { ...progress(), status: 'failed', failure });
    throw err;
  }
  return (await store.selectImport(db, id))!;
}

export class ImportAbortedError extends Error {}

export async function getImport(db: Db, id: string): Promise<store.ImportRow> {
  const row = await store.selectImport(db, id);
  if (!row) throw new NotFoundError('directory import', id);
  return row;
}

export const listImports = (db: Db, limit: number) => store.selectImports(db, limit);
export const pageRejects = (db: Db, importId: string, afterLine: number, limit: number) => store.selectRejects(db, importId, afterLine, limit);

/**
 * Bulk loading on PostgreSQL. Once an import has brought in at least `after` rows and more than
 * the directory held when it began, the secondary indexes are dropped, and built again (side by
 * side) when it ends, failed or not: for a large load that is far cheaper than keeping them up to
 * date row by row. One import at a time may do this, holding a session lock on a connection of
 * its own; a crash ends the session and frees the lock, and the next import builds whatever
 * indexes it finds missing. Readers see every committed row throughout, only less quickly.
 */
async function bulkLoader(db: Db, after: number) {
  // A pool of one or two connections cannot spare one for the lock.
  if (!('reserve' in db) || db.options.max < 3) return null;
  const session = await db.reserve();
  let held = false;
  try {
    held = await store.tryBulkLoadLock(session);
    if (held) {
      const missing = await store.missingSecondaryIndexes(db);
      if (missing.length) await store.buildSecondaryIndexes(db, missing);
    }
  } catch (err) {
    session.release();
    throw err;
  }
  const rowsAtStart = await store.estimateUsers(db);
  let dropped = false;
  let finished = !held;
  if (!held) session.release();
  return {
    async consider(imported: number) {
      if (!held || dropped || imported < after || imported <= rowsAtStart) return;
      dropped = true;
      await store.dropSecondaryIndexes(db);
    },
    async finish() {
      if (finished) return;
      finished = true;
      try {
        if (dropped) await store.buildSecondaryIndexes(db, await store.missingSecondaryIndexes(db));
      } finally {
        await store.releaseBulkLoadLock(session).catch(() => undefined);
        session.release();
      }
    },
  };
}
