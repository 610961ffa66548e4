// Generated directory files for bench/affected: the same users as NDJSON (for the import) and as
// COPY text (for the plain COPY baseline), written before anything is timed, and read back as streams.
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { generateUsers } from './directory-data.js';
import type { DirectoryUser } from '../src/directory/store.js';

/** The scratch table the baseline copies into, with the columns of `copyLine`. */
export const copyTable = `(external_id text, name text, email text, phone text, locale text, country text, subdivision text,
  birth_date date, guardian_email text, postal_address jsonb, account_status text, deleted_at timestamptz, data_categories text[],
  systems text[], created_at timestamptz, updated_at timestamptz)`;

const esc = (v: unknown) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
const arr = (a: string[]) => `{${a.join(',')}}`;

/** One user as a line of COPY text: the directory's own columns, no checks, no conversion. */
function copyLine(u: DirectoryUser): string {
  return [
    esc(u.external_id), esc(u.name), esc(u.email), esc(u.phone), esc(u.locale), esc(u.country), esc(u.subdivision), esc(u.birth_date),
    esc(u.guardian_email), esc(u.postal_address ? JSON.stringify(u.postal_address) : null), esc(u.account_status), esc(u.deleted_at),
    arr(u.data_categories), arr(u.systems), esc(u.created_at), esc(u.updated_at),
  ].join('\t');
}

const drained = (out: WriteStream) => new Promise<void>((resolve) => out.once('drain', resolve));
const closed = (out: WriteStream) => new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));

/** Writes `n` generated users to `dir` as users.ndjson and users.copy, one generation feeding both. */
export async function writeDirectoryFiles(dir: string, n: number): Promise<{ ndjson: string; copy: string }> {
  const paths = { ndjson: join(dir, 'users.ndjson'), copy: join(dir, 'users.copy') };
  const ndjson = createWriteStream(paths.ndjson);
  const copy = createWriteStream(paths.copy);
  let lines: string[] = [];
  let rows: string[] = [];
  const flush = async () => {
    // Both waits are set up before either is awaited: one stream may drain while the other is waited for.
    const waits = [ndjson.write(`${lines.join('\n')}\n`) ? null : drained(ndjson), copy.write(`${rows.join('\n')}\n`) ? null : drained(copy)];
    lines = [];
    rows = [];
    await Promise.all(waits);
  };
  for (const u of generateUsers(n)) {
    lines.push(JSON.stringify(u));
    rows.push(copyLine(u));
    if (lines.length === 1000) await flush();
  }
  if (lines.length) await flush();
  await Promise.all([closed(ndjson), closed(copy)]);
  return paths;
}

/** A file as a byte stream that reads a piece only when the reader asks for one. */
export function fileBody(path: string, pieceBytes = 256 * 1024): ReadableStream<Uint8Array> {
  let file: Awaited<ReturnType<typeof open>> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      file ??= await open(path);
      const { bytesRead, buffer } = await file.read(new Uint8Array(pieceBytes), 0, pieceBytes, null);
      if (bytesRead === 0) {
        await file.close();
        controller.close();
      } else controller.enqueue(buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await file?.close();
    },
  });
}
