// Parsing a block of whole lines: decoding, NDJSON lines checked one by one, and the valid users encoded for COPY.
import { toDirectoryUser, type LineProblem } from './record.js';
import { CopyRows, type DirectoryUser } from './store.js';

/** One line of an import, after parsing and validation. */
export type ParsedLine = { line: number; user: DirectoryUser } | RejectedLine;
export interface RejectedLine {
  line: number;
  problems: LineProblem[];
  raw: string | null;
}

/** A line as split from the file, before parsing. */
export type RawLine = { line: number; text: string } | { line: number; tooLong: true } | { line: number; notUtf8: true };

/**
 * What a stretch of the file became. Without COPY, the parsed lines themselves; with COPY, the
 * valid users already encoded as COPY rows (the users' objects need not outlive the stretch) and
 * the rejected lines beside them.
 */
export type ParsedChunk =
  | { kind: 'lines'; lines: ParsedLine[] }
  | { kind: 'copy'; read: number; bytes: Uint8Array; rows: number; ids: string[]; rejects: RejectedLine[] };

// Byte order marks are dropped from the start of a line, as a fresh decoder would drop one and
// the line's own cleanup another.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const newline = 0x0a;

function cleanLine(text: string): string {
  let from = 0;
  if (text.charCodeAt(0) === 0xfeff) from = text.charCodeAt(1) === 0xfeff ? 2 : 1;
  const to = text.charCodeAt(text.length - 1) === 0x0d && text.length > from ? text.length - 1 : text.length;
  return from === 0 && to === text.length ? text : text.slice(from, to);
}

export function decodeLine(line: number, bytes: Uint8Array): RawLine {
  try {
    return { line, text: cleanLine(decoder.decode(bytes)) };
  } catch {
    return { line, notUtf8: true };
  }
}

/**
 * The lines of a block of whole lines (no newline at its end), decoded in one go; a block holding
 * bad UTF-8, or one that could hold a line longer than `maxLineBytes`, is taken line by line to
 * say which.
 */
export function blockLines(block: Uint8Array, firstLine: number, maxLineBytes: number): RawLine[] {
  const out: RawLine[] = [];
  let texts: string[] | null;
  try {
    texts = decoder.decode(block).split('\n');
  } catch {
    texts = null;
  }
  // A UTF-16 unit is at most three UTF-8 bytes: only a block that could hold a too long line is measured line by line.
  if (texts && block.length > maxLineBytes && texts.some((t) => t.length * 3 > maxLineBytes)) texts = null;
  let line = firstLine;
  if (texts) {
    for (const t of texts) out.push({ line: line++, text: cleanLine(t) });
    return out;
  }
  let start = 0;
  for (;;) {
    const j = block.indexOf(newline, start);
    const end = j === -1 ? block.length : j;
    out.push(end - start <= maxLineBytes ? decodeLine(line, block.subarray(start, end)) : { line, tooLong: true });
    line++;
    if (j === -1) return out;
    start = j + 1;
  }
}

// A line split from a decoded block may be a view into the whole block: a kept line is copied
// out, so the block is not held until the batch is written.
export const keepRaw = (text: string | null) => (text !== null && text.length <= 64 * 1024 ? (JSON.parse(JSON.stringify(text)) as string) : null);

/** A line that could not be read at all (too long, not UTF-8), or null for one that can be parsed. */
export function unreadable(raw: RawLine, maxLineBytes: number): RejectedLine | null {
  if ('tooLong' in raw) return { line: raw.line, problems: [{ field: '(line)', reason: `longer than ${maxLineBytes} bytes` }], raw: null };
  if ('notUtf8' in raw) return { line: raw.line, problems: [{ field: '(line)', reason: 'not valid UTF-8' }], raw: null };
  return null;
}

/** One NDJSON line, parsed and checked; null for a blank line, which is not counted. */
export function parseNdjsonLine(line: number, text: string, now: Date | (() => Date)): ParsedLine | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, problems: [{ field: '(line)', reason: 'not valid JSON' }], raw: keepRaw(text) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, problems: [{ field: '(line)', reason: 'not a JSON object' }], raw: keepRaw(text) };
  return withLine(line, toDirectoryUser(value, now), text);
}

export function withLine(line: number, result: ReturnType<typeof toDirectoryUser>, text: string): ParsedLine {
  return 'user' in result ? { line, user: result.user } : { line, problems: result.problems, raw: keepRaw(text) };
}

/**
 * Parses a block of whole NDJSON lines (`firstLine` is the number of the first) into a chunk: the
 * parsed lines, or, given `copyTail` (the last columns of each COPY row), COPY rows and rejects.
 * `now` fills the created and updated times a line does not give.
 */
export function parseNdjsonBlock(bytes: Uint8Array, firstLine: number, maxLineBytes: number, now: Date, copyTail: string | null): ParsedChunk {
  const parsed: ParsedLine[] = [];
  for (const raw of blockLines(bytes, firstLine, maxLineBytes)) {
    const p = unreadable(raw, maxLineBytes) ?? ('text' in raw ? parseNdjsonLine(raw.line, raw.text, now) : null);
    if (p) parsed.push(p);
  }
  // The COPY row of an NDJSON line is shorter than the line (no field names): the block's size is room enough.
  return copyTail === null ? { kind: 'lines', lines: parsed } : encodeChunk(parsed, copyTail, bytes.length);
}

/**
 * Parsed lines as a COPY chunk: the users encoded, the rejects kept. `sizeHint` is the room first
 * made for the rows (it grows when they need more).
 */
export function encodeChunk(parsed: ParsedLine[], copyTail: string, sizeHint = 64 * 1024): ParsedChunk {
  const rows = new CopyRows(copyTail, sizeHint);
  const rejects: RejectedLine[] = [];
  const ids: string[] = [];
  for (const p of parsed) {
    if ('user' in p) {
      rows.add(p.user);
      ids.push(p.user.external_id);
    } else rejects.push(p);
  }
  return { kind: 'copy', read: parsed.length, bytes: rows.bytes(), rows: rows.rows, ids, rejects };
}
