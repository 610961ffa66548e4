// Streams an uploaded directory file (NDJSON or CSV, gzip or not) into validated lines, never holding the file in memory.
// NDJSON is parsed in blocks of whole lines: one decode and one split for a few hundred lines.
import { parse as parseCsv } from 'csv-parse/sync';
import type { Clock } from '../lib/clock.js';
import { csvColumns, csvRowToObject, toDirectoryUser } from './record.js';
import {
  blockLines,
  decodeLine,
  encodeChunk,
  keepRaw,
  parseNdjsonBlock,
  parseNdjsonLine,
  unreadable,
  withLine,
  type ParsedChunk,
  type ParsedLine,
  type RawLine,
} from './parse-block.js';

export interface ImportSource {
  /**
   * The file in order, a stretch at a time: the parsed lines, or, when `copyTail` is given (it
   * makes the last columns of each COPY row), the valid users encoded for COPY and the rejects.
   */
  chunks(copyTail: (() => string) | null): AsyncIterable<ParsedChunk>;
  bytesRead: () => number;
}

const gzipMagic = [0x1f, 0x8b];
const newline = 0x0a;

/** Peeks at the first bytes: a gzip stream is unpacked on the way. */
async function maybeGunzip(body: ReadableStream<Uint8Array>, counted: (n: number) => void): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array() : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) {
        counted(head.length);
        controller.enqueue(head);
      }
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) return controller.close();
      counted(next.value.length);
      controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzip = head.length >= 2 && head[0] === gzipMagic[0] && head[1] === gzipMagic[1];
  return gzip ? rest.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : rest;
}

/** Reads the stream in pieces of at least `minBytes` (but the last), so each block of lines is worth handing on. */
async function* coalesced(stream: ReadableStream<Uint8Array>, minBytes: number): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (!done && value.length) {
      parts.push(value);
      size += value.length;
    }
    if (size > 0 && (done || size >= minBytes)) {
      yield parts.length === 1 ? parts[0]! : concat(parts, size);
      parts = [];
      size = 0;
    }
    if (done) return;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A stretch of whole lines, still bytes, and the number of its first line. */
interface Block {
  block: Uint8Array;
  firstLine: number;
}
type Frame = RawLine | Block;

/**
 * Splits bytes into lines, a piece at a time: a line carried over from the previous piece is
 * decoded here, the whole lines within a piece are passed on as one block of bytes (see
 * `blockLines`). A line longer than `maxLineBytes` is not buffered: its bytes are dropped as
 * they come and the line is reported as too long.
 */
async function* frameLines(stream: ReadableStream<Uint8Array>, maxLineBytes: number, minBlockBytes: number): AsyncGenerator<Frame[]> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  const take = (): Uint8Array => {
    const out = concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  for await (const value of coalesced(stream, minBlockBytes)) {
    const out: Frame[] = [];
    let start = 0;
    const i = value.indexOf(newline);
    // The line carried over from the previous piece ends here.
    if (i !== -1 && (size > 0 || tooLong)) {
      line++;
      if (!tooLong && size + i <= maxLineBytes) {
        parts.push(value.subarray(0, i));
        size += i;
        out.push(decodeLine(line, take()));
      } else {
        parts = [];
        size = 0;
        out.push({ line, tooLong: true });
      }
      tooLong = false;
      start = i + 1;
    }
    const last = value.lastIndexOf(newline);
    if (last >= start) {
      out.push({ block: value.subarray(start, last), firstLine: line + 1 });
      for (let j = value.indexOf(newline, start); j !== -1 && j <= last; j = value.indexOf(newline, j + 1)) line++;
      start = last + 1;
    }
    if (start < value.length && !tooLong) {
      const piece = value.subarray(start);
      if (size + piece.length > maxLineBytes) {
        tooLong = true;
        parts = [];
        size = 0;
      } else {
        parts.push(piece.slice());
        size += piece.length;
      }
    }
    if (out.length) yield out;
  }
  if (tooLong) yield [{ line: line + 1, tooLong: true }];
  else if (size > 0) yield [decodeLine(line + 1, take())];
}

/** The raw lines of some frames, blocks split here. */
function* rawLines(frames: Frame[], maxLineBytes: number): Generator<RawLine> {
  for (const f of frames) {
    if ('block' in f) yield* blockLines(f.block, f.firstLine, maxLineBytes);
    else yield f;
  }
}

export function importLinesFrom(
  body: ReadableStream<Uint8Array>,
  options: { format: 'ndjson' | 'csv'; maxLineBytes: number; clock: Clock; minBlockBytes?: number },
): ImportSource {
  let bytes = 0;
  const counted = (n: number) => (bytes += n);
  const { format, maxLineBytes, clock } = options;
  const minBlockBytes = options.minBlockBytes ?? 256 * 1024;

  async function* chunks(copyTail: (() => string) | null): AsyncGenerator<ParsedChunk> {
    const stream = await maybeGunzip(body, counted);
    const frames = frameLines(stream, maxLineBytes, minBlockBytes);
    const done = (lines: ParsedLine[]): ParsedChunk => (copyTail ? encodeChunk(lines, copyTail()) : { kind: 'lines', lines });
    if (format === 'csv') {
      const csv = csvLines(maxLineBytes, () => clock.now());
      for await (const f of frames) {
        const out = csv.take(rawLines(f, maxLineBytes));
        if (out.length) yield done(out);
        if (csv.stopped) return;
      }
      const last = csv.end();
      if (last.length) yield done(last);
      return;
    }
    for await (const f of frames) {
      let loose: ParsedLine[] = [];
      for (const frame of f) {
        if (!('block' in frame)) {
          const p = unreadable(frame, maxLineBytes) ?? ('text' in frame ? parseNdjsonLine(frame.line, frame.text, () => clock.now()) : null);
          if (p) loose.push(p);
          continue;
        }
        if (loose.length) yield done(loose);
        loose = [];
        yield parseNdjsonBlock(frame.block, frame.firstLine, maxLineBytes, clock.now(), copyTail?.() ?? null);
      }
      if (loose.length) yield done(loose);
    }
  }

  return { chunks, bytesRead: () => bytes };
}

/**
 * CSV records from raw lines, in order. A record may span lines inside quotes: lines are
 * gathered until the quotes balance. The first record is the header.
 */
function csvLines(maxLineBytes: number, now: () => Date) {
  let header: string[] | null = null;
  let pending = null as { line: number; text: string } | null;
  const state = {
    stopped: false,
    take(raws: Iterable<RawLine>): ParsedLine[] {
      const out: ParsedLine[] = [];
      for (const raw of raws) {
        if (state.stopped) break;
        const bad = unreadable(raw, maxLineBytes);
        if (bad || !('text' in raw)) {
          if (bad) out.push(bad);
          pending = null;
          continue;
        }
        const text = raw.text;
        // An unclosed quote would swallow every following line: when the next line is a whole
        // record on its own, the open one was broken, not multi-line.
        if (pending && header && isWholeRecord(text, header.length)) {
          out.push({ line: pending.line, problems: [{ field: '(line)', reason: 'broken CSV quoting: a quoted field is never closed' }], raw: keepRaw(pending.text) });
          pending = null;
        }
        const record: { line: number; text: string } = pending ? { line: pending.line, text: `${pending.text}\n${text}` } : { line: raw.line, text };
        if (!quotesBalanced(record.text)) {
          if (record.text.length > maxLineBytes) {
            out.push({ line: record.line, problems: [{ field: '(line)', reason: 'a quoted field is never closed' }], raw: null });
            pending = null;
          } else pending = record;
          continue;
        }
        pending = null;
        if (record.text.trim() === '') continue;
        let fields: string[];
        try {
          fields = (parseCsv(record.text, { relax_column_count: true }) as string[][])[0] ?? [];
        } catch {
          out.push({ line: record.line, problems: [{ field: '(line)', reason: 'broken CSV quoting' }], raw: keepRaw(record.text) });
          continue;
        }
        if (!header) {
          header = fields.map((f) => f.trim());
          const unknown = header.filter((h) => !(csvColumns as readonly string[]).includes(h));
          if (!header.includes('external_id') || unknown.length) {
            out.push({ line: record.line, problems: [{ field: unknown[0] ?? 'external_id', reason: unknown.length ? 'unknown column' : 'the header has no external_id column' }], raw: keepRaw(record.text) });
            state.stopped = true;
          }
          continue;
        }
        if (fields.length !== header.length) {
          out.push({ line: record.line, problems: [{ field: '(line)', reason: `has ${fields.length} fields; the header has ${header.length}` }], raw: keepRaw(record.text) });
          continue;
        }
        out.push(withLine(record.line, toDirectoryUser(csvRowToObject(header, fields), now), record.text));
      }
      return out;
    },
    end(): ParsedLine[] {
      if (!pending || state.stopped) return [];
      return [{ line: pending.line, problems: [{ field: '(line)', reason: 'a quoted field is never closed' }], raw: keepRaw(pending.text) }];
    },
  };
  return state;
}

const quotesBalanced = (text: string) => (text.match(/"/g)?.length ?? 0) % 2 === 0;

function isWholeRecord(text: string, columns: number): boolean {
  if (!quotesBalanced(text)) return false;
  try {
    return ((parseCsv(text, { relax_column_count: true }) as string[][])[0]?.length ?? 0) === columns;
  } catch {
    return false;
  }
}
