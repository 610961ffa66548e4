// `npm run import -- <file>`: streams a directory file (NDJSON or CSV, gzip accepted) to a running breachkit, with a progress bar.
// Settings: BREACHKIT_URL (default http://localhost:8787) and BREACHKIT_TOKEN (a responder or admin key).
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
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
let size: number;
try {
  size = statSync(file).size;
} catch {
  fail(`cannot read ${file}`);
}

const megabytes = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 2 : 0);
const bar = new cliProgress.SingleBar(
  { format: 'uploading {bar} {percentage}% | {sentMb}/{totalMb} MB | {lines} lines | {eta_formatted} left', etaBuffer: 50 },
  cliProgress.Presets.shades_classic,
);
// Bytes drive the bar (the total is known); lines are counted as they pass, after gunzip for a .gz file.
bar.start(Math.max(1, size), 0, { sentMb: megabytes(0), totalMb: megabytes(size), lines: 0 });
let sent = 0;
let lines = 0;
const countLines = (chunk: Buffer) => {
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
};
const stream = createReadStream(file);
const gzipped = /\.gz$/i.test(file);
const unzip = gzipped ? createGunzip() : undefined;
unzip?.on('data', countLines);
// A broken .gz is the server's to judge and report; the count just stops.
unzip?.on('error', () => {});
const meter = new Transform({
  transform(chunk: Buffer, _encoding, done) {
    sent += chunk.length;
    if (unzip) unzip.write(chunk);
    else countLines(chunk);
    bar.update(sent, { sentMb: megabytes(sent), lines });
    done(null, chunk);
  },
  flush(done) {
    unzip?.end();
    done();
  },
});

let res: Response;
try {
  res = await fetch(`${baseUrl}/v1/directory/imports?format=${format}&name=${encodeURIComponent(basename(file))}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
    body: Readable.toWeb(stream.pipe(meter)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
} catch (err) {
  bar.stop();
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  fail(
    cause === 'ECONNREFUSED' || cause === 'ENOTFOUND' || cause === 'EAI_AGAIN'
      ? `breachkit does not answer at ${baseUrl} (${cause}): start it with npm start, or set BREACHKIT_URL to where it runs`
      : `the upload to ${baseUrl} broke off: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`,
  );
}
bar.update(sent, { sentMb: megabytes(sent), lines });
bar.stop();
const text = await res.text();
let body: Record<string, unknown>;
try {
  body = JSON.parse(text) as Record<string, unknown>;
} catch {
  fail(`${baseUrl} answered ${res.status} with something other than breachkit's JSON; is BREACHKIT_URL right?`);
}
if (!res.ok) fail(`import refused (${res.status}): ${String(body.detail ?? text)}`);
process.stdout.write(
  `import ${String(body.id)}: ${String(body.lines_imported)} lines imported, ${String(body.lines_rejected)} rejected of ${String(body.lines_read)}\n` +
    (Number(body.lines_rejected) > 0 ? `rejected lines, with line numbers and reasons: ${baseUrl}${String(body.rejects_url)}\n` : ''),
);
