// bench/import-bomb: a gzip bomb sent to POST /v1/directory/imports through the real app, on PGlite and (with
// TEST_DATABASE_URL) PostgreSQL. The bomb is the one from the hardening report: "x\n" × 2^29, 1 GiB unpacked, about 1 MB
// packed. Prints, per database and per set of limits: the answer, reject rows stored, rejects counted, lines read,
// elapsed time and the peak RSS of this process. For scale it also prints how tightly a generated directory packs.
// Usage: npx tsx bench/import-bomb.ts   (TEST_DATABASE_URL=postgres://… adds PostgreSQL; BENCH_BOMB_LOG2_LINES=29)
import { createGzip, gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { createApp } from '../src/app.js';
import { issueKey } from '../src/api-keys/service.js';
import { loadConfig } from '../src/config.js';
import type { Sql } from '../src/db/client.js';
import { serveEmbedded } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../src/db/node.js';
import { readTextTree } from '../src/lib/assets.node.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { createDraftRenderer } from '../src/obligations/draft.js';
import { loadRunbooks } from '../src/runbooks/parse.js';
import { generateUsers } from './directory-data.js';

const log2Lines = Number(process.env.BENCH_BOMB_LOG2_LINES ?? 29);
const pgUrl = process.env.TEST_DATABASE_URL;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

/** "x\n" × 2^log2Lines, gzipped a mebibyte at a time (never held unpacked). */
async function makeBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const block = Buffer.alloc(1024 * 1024, 'x\n');
  const blocks = (2 ** log2Lines * 2) / block.length;
  for (let i = 0; i < blocks; i++) if (!gzip.write(block)) await new Promise((r) => gzip.once('drain', r));
  gzip.end();
  await done;
  return Buffer.concat(parts);
}

async function openDatabase(mode: 'pglite' | 'postgres'): Promise<{ sql: Sql; close: () => Promise<void> }> {
  if (mode === 'pglite') {
    const embedded = await serveEmbedded(await PGlite.create());
    await migrate(embedded.sql, readMigrations());
    return { sql: embedded.sql, close: () => embedded.close() };
  }
  const schema = `bench_bomb_${Date.now()}`;
  const admin = connectPostgres(pgUrl!, 1);
  await admin.unsafe(`create schema ${schema}`);
  const sql = connectPostgres(pgUrl!, 10, { connection: { search_path: schema } });
  await migrate(sql, readMigrations());
  return {
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

async function run(mode: 'pglite' | 'postgres', bomb: Buffer, label: string, env: Record<string, string>) {
  const db = await openDatabase(mode);
  try {
    const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
    const templates = readTextTree('templates');
    const app = createApp({
      config,
      logger: createLogger('silent'),
      clock: systemClock,
      database: () => db.sql,
      renderer: createNoticeRenderer(templates, { smsMaxParts: config.SMS_MAX_PARTS }),
      runbooks: loadRunbooks(readTextTree('runbooks')),
      drafts: createDraftRenderer(templates),
      copy: mode === 'postgres',
    });
    const { token } = await issueKey(db.sql, { name: 'bench', role: 'responder', createdBy: null, now: new Date() });
    peakRss = process.memoryUsage().rss;
    const rssBefore = peakRss;
    const t0 = performance.now();
    const res = await app.request('/v1/directory/imports?name=bomb', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: new Uint8Array(bomb),
    });
    const elapsed = (performance.now() - t0) / 1000;
    const answer = (await res.json()) as { code?: string; importId?: string; id?: string };
    const id = answer.importId ?? answer.id;
    const [row] = await db.sql<{ status: string; lines_read: number; lines_rejected: number; rejects_stored: number; failure: string | null }[]>`
      select status, lines_read::float8 as lines_read, lines_rejected::float8 as lines_rejected, rejects_stored::float8 as rejects_stored, failure
      from directory_imports where id = ${id ?? ''}`;
    const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from directory_import_rejects`;
    console.log(
      [
        `${mode.padEnd(8)} ${label.padEnd(44)}`,
        `HTTP ${res.status} ${answer.code ?? ''}`.padEnd(27),
        `reject rows stored ${stored!.n.toLocaleString('en')}`,
        `rejects counted ${row!.lines_rejected.toLocaleString('en')}`,
        `lines read ${row!.lines_read.toLocaleString('en')}`,
        `${elapsed.toFixed(2)} s`,
        `peak RSS ${mb(peakRss)} (+${mb(peakRss - rssBefore)})`,
        `import ${row!.status}`,
      ].join(' | '),
    );
  } finally {
    await db.close();
  }
}

const bomb = await makeBomb();
const sample = Buffer.from([...generateUsers(20_000)].map((u) => JSON.stringify(u)).join('\n') + '\n');
console.log(`bomb: ${(2 ** log2Lines).toLocaleString('en')} lines of "x", ${mb(2 ** log2Lines * 2)} unpacked, ${mb(bomb.length)} packed (${Math.round((2 ** log2Lines * 2) / bomb.length)}×)`);
console.log(`for scale, 20,000 generated directory users pack ${(sample.length / gzipSync(sample).length).toFixed(1)}× (the default IMPORT_MAX_GZIP_RATIO is 100)\n`);
for (const mode of pgUrl ? (['pglite', 'postgres'] as const) : (['pglite'] as const)) {
  await run(mode, bomb, 'default limits', {});
  // Without the ratio check the expanded-size cap stops it, and the stored rejects stay capped.
  await run(mode, bomb, 'ratio off, IMPORT_MAX_EXPANDED_BYTES=64 MiB', { IMPORT_MAX_GZIP_RATIO: '1000000', IMPORT_MAX_EXPANDED_BYTES: String(64 * 1024 * 1024) });
}
clearInterval(sampler);
