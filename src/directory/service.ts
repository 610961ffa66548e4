// The directory mirror: streaming imports that keep every valid line and report every bad one.
import type { Db } from '../db/client.js';
import { NotFoundError, UploadError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { nextTurn } from '../lib/sleep.js';
import * as store from './store.js';

export type { DirectoryUser, ImportRow } from './store.js';

import type { LineProblem } from './record.js';
export type { LineProblem } from './record.js';

/** One line of an import, after parsing and validation. */
export type ParsedLine =
  | { line: number; user: store.DirectoryUser }
  | { line: number; problems: LineProblem[]; raw: string | null };

export interface ImportInput {
  /** The lines in order, in chunks as they were read. */
  lines: AsyncIterable<ParsedLine[]>;
  format: string;
  sourceName: string | null;
  actorId: string;
  clock: Clock;
  /** Bytes consumed so far, for progress. */
  bytesRead?: () => number;
  batchSize?: number;
  /** The database takes COPY FROM STDIN (PostgreSQL; not the embedded PGlite). */
  copy?: boolean;
  /** With COPY: rows an import brings in before it may switch to bulk loading (see `bulkLoader`). */
  bulkAfter?: number;
  onProgress?: (row: Pick<store.ImportRow, 'lines_read' | 'lines_imported' | 'lines_rejected' | 'bytes_read'>) => void;
  /** Rejected lines stored for download (IMPORT_MAX_STORED_REJECTS); the rest are counted only. */
  maxStoredRejects?: number;
  /** Stops the import: its reason (an UploadError: the client went away, the server is stopping) is what it fails with. */
  signal?: AbortSignal;
}

/** A running import touches its record at least this often, so one left by a stopped process can be told from a slow one. */
export const importHeartbeatMs = 5_000;
/** An import `running` with no sign of life for this long was left by a process that stopped. */
export const importSilentAfterMs = 30_000;

const rawKeptLimit = 64 * 1024;

/**
 * Streams the lines into the directory in batches, each committed on its own: a failure late in
 * a file keeps everything before it, and progress is visible to readers while it runs.
 */
export async function runImport(db: Db, input: ImportInput): Promise<store.ImportRow> {
  const id = newId('imp', input.clock.now());
  await store.insertImport(db, { id, format: input.format, sourceName: input.sourceName, at: input.clock.now(), by: input.actorId });
  // Measured on PostgreSQL with 1,000,000 rows: 10,000-row COPYs load about a fifth faster than
  // 5,000-row ones, and 50,000-row ones no faster.
  const batchSize = input.batchSize ?? 10_000;
  // With COPY, users are encoded for it as they come and not kept (see `store.CopyBatch`).
  const newBatch = () => (input.copy ? new store.CopyBatch(id, input.clock.now()) : null);
  let users: store.DirectoryUser[] = [];
  let copyBatch = newBatch();
  let rejects: { line: number; problems: LineProblem[]; raw: string | null }[] = [];
  const counts = { linesRead: 0, imported: 0, rejected: 0, rejectsStored: 0 };
  const maxStoredRejects = input.maxStoredRejects ?? Infinity;
  const progress = () => ({ ...counts, bytesRead: input.bytesRead?.() ?? 0, at: input.clock.now() });
  let lastWrite = Date.now();
  // Wall time, not the injected clock: this only paces the heartbeat.
  const heartbeat = setInterval(() => {
    if (Date.now() - lastWrite >= importHeartbeatMs) void store.touchImport(db, id, input.clock.now()).catch(() => undefined);
  }, importHeartbeatMs);

  const bulk = input.copy ? await bulkLoader(db, input.bulkAfter ?? 100_000) : null;

  const write = async (batch: store.DirectoryUser[], copied: store.CopyBatch | null, batchRejects: typeof rejects) => {
    // Counted in lines: a later line for the same external id replaces the earlier one.
    if (copied && copied.size) {
      await bulk?.consider(counts.imported);
      await store.writeBatch(db, copied);
      counts.imported += copied.size;
    } else if (batch.length) {
      await store.upsertUsers(db, batch, id, input.clock.now());
      counts.imported += batch.length;
    }
    await store.insertRejects(db, id, batchRejects);
    lastWrite = Date.now();
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
    const copied = copyBatch;
    const batchRejects = rejects;
    users = [];
    copyBatch = newBatch();
    rejects = [];
    await writing;
    const next = write(batch, copied, batchRejects);
    inFlight = true;
    void next.finally(() => (inFlight = false)).catch(() => undefined);
    // Observed at once (the error surfaces at the next await), so a failure is never "unhandled".
    next.catch(() => undefined);
    writing = next;
  };

  try {
    for await (const chunk of input.lines) {
      for (const item of chunk) {
        counts.linesRead++;
        if ('user' in item) {
          if (copyBatch) copyBatch.add(item.user);
          else users.push(item.user);
        } else {
          counts.rejected++;
          if (counts.rejectsStored < maxStoredRejects) {
            counts.rejectsStored++;
            rejects.push({ line: item.line, problems: item.problems, raw: item.raw !== null && item.raw.length <= rawKeptLimit ? item.raw : null });
          }
        }
        if (users.length + (copyBatch?.size ?? 0) + rejects.length >= batchSize) await flush();
      }
      if (input.signal?.aborted) throw input.signal.reason;
      // A source that never waits on I/O would otherwise keep the write's bytes from the socket.
      if (inFlight) await nextTurn();
    }
    await flush();
    await writing;
    await bulk?.finish();
    if (counts.imported > 10_000) await store.analyzeUsers(db);
    await store.updateImportProgress(db, id, { ...progress(), status: 'completed' });
  } catch (err) {
    // An upload that broke or was stopped keeps the lines read before it, the batch in hand included.
    const keptAll = err instanceof UploadError && (await flush().then(() => writing).then(() => true, () => false));
    await writing.catch(() => undefined);
    await bulk?.finish().catch(() => undefined);
    // The reason is ours to word: a driver or parser message could quote personal data.
    const failure =
      err instanceof UploadError
        ? `${err.message}; ${keptAll ? `the ${counts.linesRead} lines read before it are recorded (${counts.imported} imported, ${counts.rejected} rejected)` : 'lines before it were kept'}`
        : 'the import stopped on an unexpected error; lines before it were kept';
    await store.updateImportProgress(db, id, { ...progress(), status: 'failed', failure });
    if (err instanceof UploadError) err.importId = id;
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
  return (await store.selectImport(db, id))!;
}

/**
 * At start, and now and then while serving: imports left `running` by a process that stopped are
 * marked failed. `all` when this process is the only one that could be running imports (the
 * embedded database); otherwise only those silent for `importSilentAfterMs`.
 */
export async function failInterruptedImports(db: Db, now: Date, options: { all: boolean }): Promise<string[]> {
  const before = options.all ? null : new Date(now.getTime() - importSilentAfterMs);
  return store.failSilentImports(db, before, now, 'interrupted: the server running it stopped before the end; the lines before it were kept');
}

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
