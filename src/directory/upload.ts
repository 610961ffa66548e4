// One upload into the directory, as the API and the console both take it: read as it streams, stopped if its sender goes away.
import type { Services } from '../http/context.js';
import { UploadError } from '../errors.js';
import { importLinesFrom } from './import-lines.js';
import { runImport, type ImportRow } from './service.js';

/** Stops an import when its client goes away or the server stops, with the reason it is recorded as failing for. */
function importStopSignal(client: AbortSignal, halted: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  const stop = new AbortController();
  const watched: [AbortSignal, () => void][] = [];
  const on = (signal: AbortSignal, reason: () => UploadError) => {
    const listener = () => stop.abort(reason());
    if (signal.aborted) listener();
    else {
      signal.addEventListener('abort', listener, { once: true });
      watched.push([signal, listener]);
    }
  };
  if (halted) on(halted, () => new UploadError('stopped', 'the server stopped before the upload was read to its end'));
  on(client, () => new UploadError('client_gone', 'the client went away before the upload was read to its end'));
  return { signal: stop.signal, release: () => watched.forEach(([signal, listener]) => signal.removeEventListener('abort', listener)) };
}

export interface Upload {
  body: ReadableStream<Uint8Array>;
  format: 'ndjson' | 'csv';
  sourceName: string | null;
  actorId: string;
  /** The request's own signal: the sender went away. */
  clientSignal: AbortSignal;
}

/** Imports an uploaded file (gzip accepted) under the configured limits, to its end or to the reason it stopped. */
export async function importUpload(services: Services, upload: Upload): Promise<ImportRow> {
  const { db, clock, config } = services;
  const limits = { maxUploadBytes: config.IMPORT_LIMIT_BYTES, maxExpandedBytes: config.IMPORT_MAX_EXPANDED_BYTES, maxGzipRatio: config.IMPORT_MAX_GZIP_RATIO, overUploadLimitNote: services.importLimitNote };
  const { signal, release } = importStopSignal(upload.clientSignal, services.lifecycle?.halted);
  const source = importLinesFrom(upload.body, { format: upload.format, maxLineBytes: config.IMPORT_MAX_LINE_BYTES, clock, limits, signal });
  return runImport(db, {
    signal,
    maxStoredRejects: config.IMPORT_MAX_STORED_REJECTS,
    lines: source.lines,
    bytesRead: source.bytesRead,
    format: upload.format,
    sourceName: upload.sourceName,
    actorId: upload.actorId,
    clock,
    copy: services.dbFeatures.copy,
  }).finally(release);
}
