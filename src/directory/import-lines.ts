// Streams an uploaded directory file (NDJSON or CSV, gzip or not) into validated lines, never holding the file in memory.
import { parse as parseCsv } from 'csv-parse/sync';
import { Gunzip } from 'fflate';
import { UploadError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { csvColumns, csvRowToObject, toDirectoryUser } from './record.js';
import type { ParsedLine } from './service.js';

export interface ImportSource {
  /** Lines in order, a chunk of the file's worth at a time. */
  lines: AsyncIterable<ParsedLine[]>;
  bytesRead: () => number;
}

const gzipMagic = [0x1f, 0x8b];
const newline = 0x0a;

/** Bounds on what one upload may bring in. */
export interface UploadLimits {
  /** Bytes sent (IMPORT_LIMIT_BYTES). */
  maxUploadBytes: number;
  /** Bytes after gzip is unpacked (IMPORT_MAX_EXPANDED_BYTES). */
  maxExpandedBytes: number;
  /** Unpacked bytes per byte sent, judged past the first `ratioFloorBytes` (IMPORT_MAX_GZIP_RATIO). */
  maxGzipRatio: number;
  /** Said after the reason when more than `maxUploadBytes` were sent. */
  overUploadLimitNote?: string;
}

const noLimits: UploadLimits = { maxUploadBytes: Infinity, maxExpandedBytes: Infinity, maxGzipRatio: Infinity };
/** Below this much unpacked text the ratio is not judged: a small file of repeated lines packs very tightly. */
export const ratioFloorBytes = 256 * 1024;
/**
 * Compressed bytes are inflated in slices this small, and the limits are checked after each one,
 * before its output is used: a bomb is stopped within one slice's output.
 */
const inflateSliceBytes = 4 * 1024;

const tooLarge = (why: string) => new UploadError('too_large', why);

/**
 * Opens the uploaded bytes: counts them against the limits as they come, and unpacks gzip on the
 * way (seen from the first two bytes). A stream that breaks, or exceeds a limit, errors with an
 * UploadError naming the reason.
 */
async function openUpload(
  body: ReadableStream<Uint8Array>,
  limits: UploadLimits,
  counted: { sent: number; unpacked: number },
  signal: AbortSignal | undefined,
): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  // A stop (its reason is the error) ends a read that waits on a silent client.
  const stopped = new Promise<never>((_, reject) => {
    if (!signal) return;
    const stop = () => {
      reject(signal.reason);
      void reader.cancel(signal.reason).catch(() => undefined);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  stopped.catch(() => undefined);
  const read = async (): Promise<Uint8Array | null> => {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await Promise.race([reader.read(), stopped]);
    } catch {
      if (signal?.aborted) throw signal.reason;
      throw new UploadError('client_gone', 'the upload stopped before its end: the connection was closed');
    }
    if (next.done) return null;
    counted.sent += next.value.length;
    if (counted.sent > limits.maxUploadBytes) {
      const err = tooLarge(`it is larger than ${limits.maxUploadBytes} bytes (IMPORT_LIMIT_BYTES)${limits.overUploadLimitNote ? `. ${limits.overUploadLimitNote.replace(/\.$/, '')}` : ''}`);
      err.limitBytes = limits.maxUploadBytes;
      throw err;
    }
    return next.value;
  };
  const fail = (err: UploadError): never => {
    void reader.cancel(err).catch(() => undefined);
    throw err;
  };
  let held = (await read()) ?? new Uint8Array();
  const gzip = held.length >= 2 && held[0] === gzipMagic[0] && held[1] === gzipMagic[1];
  if (!gzip) {
    let first = held.length > 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = first ? held : await read();
        first = false;
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
  // fflate rather than DecompressionStream: the platform's inflater takes in compressed bytes far
  // ahead of the output read, so a bomb could not be stopped until much of it was unpacked.
  let out: Uint8Array[] = [];
  const inflater = new Gunzip((chunk) => {
    out.push(chunk);
    counted.unpacked += chunk.length;
  });
  // A gzip member ends with the size of what it holds (RFC 1952 §2.3.1, ISIZE); the inflater does
  // not check it, and a stream cut at a block boundary inflates without complaint. A file may hold
  // several members one after another (`cat a.gz b.gz`): the last one's size is checked.
  let memberStart = 0;
  inflater.onmember = () => (memberStart = counted.unpacked);
  const tail = new Uint8Array(8);
  const keepTail = (piece: Uint8Array) => {
    if (piece.length >= 8) tail.set(piece.subarray(piece.length - 8));
    else {
      tail.copyWithin(0, piece.length);
      tail.set(piece, 8 - piece.length);
    }
  };
  const sizeMatches = () => consumed >= 18 && new DataView(tail.buffer).getUint32(4, true) === (counted.unpacked - memberStart) % 2 ** 32;
  let consumed = 0;
  let ended = false;
  const inflate = (piece: Uint8Array, final: boolean) => {
    try {
      inflater.push(piece, final);
    } catch {
      fail(new UploadError('broken', `it is not a valid gzip stream: it breaks after ${consumed} bytes`));
    }
    if (final && !sizeMatches()) fail(new UploadError('broken', `it is not a complete gzip stream: it ends after ${consumed} bytes`));
    if (counted.unpacked > limits.maxExpandedBytes) fail(tooLarge(`it unpacks to more than ${limits.maxExpandedBytes} bytes (IMPORT_MAX_EXPANDED_BYTES)`));
    if (counted.unpacked > ratioFloorBytes && counted.unpacked > limits.maxGzipRatio * consumed) {
      fail(tooLarge(`it unpacks to more than ${limits.maxGzipRatio} times its size (IMPORT_MAX_GZIP_RATIO): ${consumed} bytes gave ${counted.unpacked}`));
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (out.length === 0) {
        if (ended) return controller.close();
        if (held.length === 0) {
          const next = await read();
          if (!next) {
            ended = true;
            inflate(new Uint8Array(), true);
            continue;
          }
          held = next;
        }
        const piece = held.subarray(0, inflateSliceBytes);
        held = held.subarray(piece.length);
        consumed += piece.length;
        keepTail(piece);
        inflate(piece, false);
      }
      const ready = out;
      out = [];
      for (const chunk of ready) controller.enqueue(chunk);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

type RawLine = { line: number; text: string } | { line: number; tooLong: true } | { line: number; notUtf8: true };

// Byte order marks are dropped from the start of a line, as a fresh decoder would drop one and
// the line's own cleanup another.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function cleanLine(text: string): string {
  let from = 0;
  if (text.charCodeAt(0) === 0xfeff) from = text.charCodeAt(1) === 0xfeff ? 2 : 1;
  const to = text.charCodeAt(text.length - 1) === 0x0d && text.length > from ? text.length - 1 : text.length;
  return from === 0 && to === text.length ? text : text.slice(from, to);
}

function decodeLine(line: number, bytes: Uint8Array): RawLine {
  try {
    return { line, text: cleanLine(decoder.decode(bytes)) };
  } catch {
    return { line, notUtf8: true };
  }
}

/**
 * Splits bytes into lines, a chunk's worth at a time. The whole lines of a chunk are decoded in
 * one go; a block holding bad UTF-8 is decoded again line by line to say which. A line longer
 * than `maxLineBytes` is not buffered: its bytes are dropped as they come and the line is
 * reported as too long.
 */
async function* splitLines(stream: ReadableStream<Uint8Array>, maxLineBytes: number): AsyncGenerator<RawLine[]> {
  const reader = stream.getReader();
  let parts: Uint8Array[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  const take = (): Uint8Array => {
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    parts = [];
    size = 0;
    return out;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const out: RawLine[] = [];
    let start = 0;
    const i = value.indexOf(newline);
    // The line carried over from the previous chunk ends here.
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
      const block = value.subarray(start, last);
      let texts: string[] | null;
      try {
        texts = decoder.decode(block).split('\n');
      } catch {
        texts = null;
      }
      // A UTF-16 unit is at most three UTF-8 bytes: only a block that could hold a too long line is measured line by line.
      if (texts && block.length > maxLineBytes && texts.some((t) => t.length * 3 > maxLineBytes)) texts = null;
      if (texts) {
        for (const t of texts) out.push({ line: ++line, text: cleanLine(t) });
      } else {
        for (let j = value.indexOf(newline, start); j !== -1 && j <= last; j = value.indexOf(newline, start)) {
          line++;
          out.push(j - start <= maxLineBytes ? decodeLine(line, value.subarray(start, j)) : { line, tooLong: true });
          start = j + 1;
        }
      }
      start = last + 1;
    }
    if (start < value.length && !tooLong) {
      const piece = value.subarray(start);
      if (size + piece.length > maxLineBytes) {
        tooLong = true;
        parts = [];
        size = 0;
      } else {
        // Copy: the stream may reuse its buffer.
        parts.push(piece.slice());
        size += piece.length;
      }
    }
    if (out.length) yield out;
  }
  if (tooLong) yield [{ line: line + 1, tooLong: true }];
  else if (size > 0) yield [decodeLine(line + 1, take())];
}

// A line split from a decoded block may be a view into the whole block: a kept line is copied
// out, so the block is not held until the batch is written.
const keepRaw = (text: string | null) => (text !== null && text.length <= 64 * 1024 ? (JSON.parse(JSON.stringify(text)) as string) : null);

export function importLinesFrom(
  body: ReadableStream<Uint8Array>,
  options: { format: 'ndjson' | 'csv'; maxLineBytes: number; clock: Clock; limits?: UploadLimits; signal?: AbortSignal },
): ImportSource {
  const counted = { sent: 0, unpacked: 0 };
  const { format, maxLineBytes, clock } = options;

  async function* lines(): AsyncGenerator<ParsedLine[]> {
    const stream = await openUpload(body, options.limits ?? noLimits, counted, options.signal);
    const now = () => clock.now();
    let header: string[] | null = null;
    // A CSV record may span lines inside quotes: lines are gathered until the quotes balance.
    let pending = null as { line: number; text: string } | null;
    for await (const chunk of splitLines(stream, maxLineBytes)) {
      let out: ParsedLine[] = [];
      for (const raw of chunk) {
        // Handed on a few dozen at a time: parsed users are consumed while still young.
        if (out.length >= 64) {
          yield out;
          out = [];
        }
        if ('tooLong' in raw) {
          out.push({ line: raw.line, problems: [{ field: '(line)', reason: `longer than ${maxLineBytes} bytes` }], raw: null });
          pending = null;
          continue;
        }
        if ('notUtf8' in raw) {
          out.push({ line: raw.line, problems: [{ field: '(line)', reason: 'not valid UTF-8' }], raw: null });
          pending = null;
          continue;
        }
        const text = raw.text;
        if (format === 'ndjson') {
          if (text.trim() === '') continue;
          // A line no JSON value can start like is refused without the cost of a parser exception (a flood of junk lines).
          let value: unknown = notJson;
          if (jsonStart.test(text)) {
            try {
              value = JSON.parse(text);
            } catch {
              value = notJson;
            }
          }
          if (value === notJson) {
            out.push({ line: raw.line, problems: [{ field: '(line)', reason: 'not valid JSON' }], raw: keepRaw(text) });
            continue;
          }
          if (typeof value !== 'object' || value === null || Array.isArray(value)) {
            out.push({ line: raw.line, problems: [{ field: '(line)', reason: 'not a JSON object' }], raw: keepRaw(text) });
            continue;
          }
          out.push(withLine(raw.line, toDirectoryUser(value, now), text));
          continue;
        }
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
            yield out;
            return;
          }
          continue;
        }
        if (fields.length !== header.length) {
          out.push({ line: record.line, problems: [{ field: '(line)', reason: `has ${fields.length} fields; the header has ${header.length}` }], raw: keepRaw(record.text) });
          continue;
        }
        out.push(withLine(record.line, toDirectoryUser(csvRowToObject(header, fields), now), record.text));
      }
      if (out.length) yield out;
    }
    if (pending) yield [{ line: pending.line, problems: [{ field: '(line)', reason: 'a quoted field is never closed' }], raw: keepRaw(pending.text) }];
  }

  return { lines: lines(), bytesRead: () => counted.sent };
}

const jsonStart = /^\s*[{["\-0-9tfn]/;
const notJson = Symbol('not JSON');

const quotesBalanced = (text: string) => (text.match(/"/g)?.length ?? 0) % 2 === 0;

function isWholeRecord(text: string, columns: number): boolean {
  if (!quotesBalanced(text)) return false;
  try {
    return ((parseCsv(text, { relax_column_count: true }) as string[][])[0]?.length ?? 0) === columns;
  } catch {
    return false;
  }
}

function withLine(line: number, result: ReturnType<typeof toDirectoryUser>, text: string): ParsedLine {
  return 'user' in result ? { line, user: result.user } : { line, problems: result.problems, raw: keepRaw(text) };
}
