// Streams an uploaded directory file (NDJSON or CSV, gzip or not) into validated lines, never holding the file in memory.
import { parse as parseCsv } from 'csv-parse/sync';
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

export function importLinesFrom(body: ReadableStream<Uint8Array>, options: { format: 'ndjson' | 'csv'; maxLineBytes: number; clock: Clock }): ImportSource {
  let bytes = 0;
  const counted = (n: number) => (bytes += n);
  const { format, maxLineBytes, clock } = options;

  async function* lines(): AsyncGenerator<ParsedLine[]> {
    const stream = await maybeGunzip(body, counted);
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
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
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
