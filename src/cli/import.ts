// `npm run import -- <file>`: streams a directory file (NDJSON or CSV, gzip accepted) to a running breachkit, with a progress bar.
// Settings: BREACHKIT_URL (default http://localhost:8787) and BREACHKIT_TOKEN (a responder or admin key).
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';

const file = process.argv[2];
const baseUrl = (process.env.BREACHKIT_URL ?? 'http://localhost:8787').replace(/\/$/, '');
const token = process.env.BREACHKIT_TOKEN;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (!file) fail('usage: npm run import -- <file.ndjson|file.csv[.gz]>');
if (!token) fail('set BREACHKIT_TOKEN to a responder or admin API key');
const name = basename(file).replace(/\.gz$/, '');
const format = /\.(csv)$/i.test(name) ? 'csv' : /\.(ndjson|jsonl)$/i.test(name) ? 'ndjson' : fail('the file name must end in .ndjson, .jsonl or .csv (optionally .gz)');
const size = statSync(file).size;

const bar = new cliProgress.SingleBar({ format: 'uploading {bar} {percentage}% | {value}/{total} MB | {eta_formatted} left' }, cliProgress.Presets.shades_classic);
bar.start(Math.max(1, Math.round(size / 1e6)), 0);
let sent = 0;
const stream = createReadStream(file);
stream.on('data', (chunk) => {
  sent += chunk.length;
  bar.update(Math.round(sent / 1e6));
});

const res = await fetch(`${baseUrl}/v1/directory/imports?format=${format}&name=${encodeURIComponent(basename(file))}`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
  body: Readable.toWeb(stream) as ReadableStream<Uint8Array>,
  duplex: 'half',
} as RequestInit);
bar.stop();
const body = (await res.json()) as Record<string, unknown>;
if (!res.ok) fail(`import refused (${res.status}): ${String(body.detail ?? JSON.stringify(body))}`);
process.stdout.write(
  `import ${String(body.id)}: ${String(body.lines_imported)} lines imported, ${String(body.lines_rejected)} rejected of ${String(body.lines_read)}\n` +
    (Number(body.lines_rejected) > 0 ? `rejected lines, with line numbers and reasons: ${baseUrl}${String(body.rejects_url)}\n` : ''),
);
