// Streams an uploaded directory file (NDJSON or CSV, gzip or not) into validated lines, never holding the file in memory.
import { parse as parseCsv } from 'csv-parse/sync';
import type { Clock } from '../lib/clock.js';
import { csvColumns, csvRowToObject, toDirectoryUser } from './record.js';
import type { ParsedLine } from './service.js';

export interface ImportSource {
  lines: AsyncIterable<ParsedLine>;
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

type RawLine = { line: number; bytes: Uint8Array } | { line: number; tooLong: true };

/**
 * Splits bytes into lines. A line longer than `maxLineBytes` is not buffered: its bytes are
 * dropped as they come and the line is reported as too long.
 */
async function* splitLines(stream: ReadableStream<Uint8Array>, maxLineBytes: number): AsyncGenerator<RawLine> {
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
    let start = 0;
    for (let i = value.indexOf(newline); i !== -1; i = value.indexOf(newline, start)) {
      line++;
      if (!tooLong && size + (i - start) <= maxLineBytes) {
        parts.push(value.subarray(start, i));
        size += i - start;
        yield { line, bytes: take() };
      } else {
        parts = [];
        size = 0;
        yield { line, tooLong: true };
      }
      tooLong = false;
      start = i + 1;
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
  }
  if (tooLong) yield { line: line + 1, tooLong: true };
  else if (size > 0) yield { line: line + 1, bytes: take() };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, '').replace(/\r$/, '');
  } catch {
    return null;
  }
}

const keepRaw = (text: string | null) => (text !== null && text.length <= 64 * 1024 ? text : null);

export function importLinesFrom(body: ReadableStream<Uint8Array>, options: { format: 'ndjson' | 'csv'; maxLineBytes: number; clock: Clock }): ImportSource {
  let bytes = 0;
  const counted = (n: number) => (bytes += n);
  const { format, maxLineBytes, clock } = options;

  async function* lines(): AsyncGenerator<ParsedLine> {
    const stream = await maybeGunzip(body, counted);
    let header: string[] | null = null;
    // A CSV record may span lines inside quotes: lines are gathered until the quotes balance.
    let pending = null as { line: number; text: string } | null;
    for await (const raw of splitLines(stream, maxLineBytes)) {
      if ('tooLong' in raw) {
        yield { line: raw.line, problems: [{ field: '(line)', reason: `longer than ${maxLineBytes} bytes` }], raw: null };
        pending = null;
        continue;
      }
      const text = decode(raw.bytes);
      if (text === null) {
        yield { line: raw.line, problems: [{ field: '(line)', reason: 'not valid UTF-8' }], raw: null };
        pending = null;
        continue;
      }
      if (format === 'ndjson') {
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          yield { line: raw.line, problems: [{ field: '(line)', reason: 'not valid JSON' }], raw: keepRaw(text) };
          continue;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          yield { line: raw.line, problems: [{ field: '(line)', reason: 'not a JSON object' }], raw: keepRaw(text) };
          continue;
        }
        yield withLine(raw.line, toDirectoryUser(value, clock.now()), text);
        continue;
      }
      // An unclosed quote would swallow every following line: when the next line is a whole
      // record on its own, the open one was broken, not multi-line.
      if (pending && header && isWholeRecord(text, header.length)) {
        yield { line: pending.line, problems: [{ field: '(line)', reason: 'broken CSV quoting: a quoted field is never closed' }], raw: keepRaw(pending.text) };
        pending = null;
      }
      const record: { line: number; text: string } = pending ? { line: pending.line, text: `${pending.text}\n${text}` } : { line: raw.line, text };
      if (!quotesBalanced(record.text)) {
        if (record.text.length > maxLineBytes) {
          yield { line: record.line, problems: [{ field: '(line)', reason: 'a quoted field is never closed' }], raw: null };
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
        yield { line: record.line, problems: [{ field: '(line)', reason: 'broken CSV quoting' }], raw: keepRaw(record.text) };
        continue;
      }
      if (!header) {
        header = fields.map((f) => f.trim());
        const unknown = header.filter((h) => !(csvColumns as readonly string[]).includes(h));
        if (!header.includes('external_id') || unknown.length) {
          yield { line: record.line, problems: [{ field: unknown[0] ?? 'external_id', reason: unknown.length ? 'unknown column' : 'the header has no external_id column' }], raw: keepRaw(record.text) };
          return;
        }
        continue;
      }
      if (fields.length !== header.length) {
        yield { line: record.line, problems: [{ field: '(line)', reason: `has ${fields.length} fields; the header has ${header.length}` }], raw: keepRaw(record.text) };
        continue;
      }
      yield withLine(record.line, toDirectoryUser(csvRowToObject(header, fields), clock.now()), record.text);
    }
    if (pending) yield { line: pending.line, problems: [{ field: '(line)', reason: 'a quoted field is never closed' }], raw: keepRaw(pending.text) };
  }

  return { lines: lines(), bytesRead: () => bytes };
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

function withLine(line: number, result: ReturnType<typeof toDirectoryUser>, text: string): ParsedLine {
  return 'user' in result ? { line, user: result.user } : { line, problems: result.problems, raw: keepRaw(text) };
}
