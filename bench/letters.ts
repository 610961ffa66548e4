// Benchmark: a print batch of 10,000 letters (en and zh-CN; US, German and Chinese addresses) — time and peak RSS.
// Uses the PostgreSQL at TEST_DATABASE_URL (a schema of its own) when set, otherwise an embedded PGlite
// (whose WASM heap, about 630 MiB, then counts in the RSS). LETTERS=n changes the size.
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { resolveSnapshot, setScope } from '../src/affected/service.js';
import type { Sql } from '../src/db/client.js';
import { serveEmbedded } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../src/db/node.js';
import { loadLetterFonts, nodeLetterPdf } from '../src/delivery/letters/pdf.node.js';
import { batchPdf, createBatch, letterSender, renderBatch, type LetterDeps } from '../src/delivery/letters/service.js';
import { startDeliveries } from '../src/delivery/service.js';
import { upsertUsers } from '../src/directory/store.js';
import { openIncident } from '../src/incidents/service.js';
import { readTextTree } from '../src/lib/assets.node.js';
import { createLogger } from '../src/lib/logger.js';
import { noticeContent } from '../src/notices/content.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { approveNotice, freezeNotice } from '../src/notices/service.js';
import { profileSchema, saveProfile } from '../src/obligations/profile.js';
import { sampleNoticeContent } from '../tests/helpers/notice-content.js';

const count = Number(process.env.LETTERS ?? 10_000);
const url = process.env.TEST_DATABASE_URL;
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

async function database(): Promise<{ sql: Sql; where: string; close(): Promise<void> }> {
  if (url) {
    const schema = `bench_letters_${Date.now()}`;
    const admin = connectPostgres(url, 1);
    await admin.unsafe(`create schema ${schema}`);
    const sql = connectPostgres(url, 4, { connection: { search_path: schema } });
    return {
      sql,
      where: `PostgreSQL (${new URL(url).host}, schema ${schema})`,
      async close() {
        await sql.end({ timeout: 5 });
        await admin.unsafe(`drop schema if exists ${schema} cascade`);
        await admin.end();
      },
    };
  }
  const embedded = await serveEmbedded(await PGlite.create());
  return { sql: embedded.sql, where: 'embedded PGlite (in this process)', close: () => embedded.close() };
}

const db = await database();
const sql = db.sql;
await migrate(sql, readMigrations());
const now = new Date();
const actor = { id: 'key_bench', name: 'Bench' };
const places = [
  { country: 'US', locale: 'en', address: (i: number) => ({ line1: `${100 + (i % 900)} Main Street`, city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' }) },
  { country: 'DE', locale: 'en', address: (i: number) => ({ line1: `Hauptstraße ${1 + (i % 200)}`, city: 'Berlin', postal_code: '10115', country: 'DE' }) },
  { country: 'CN', locale: 'zh-CN', address: (i: number) => ({ line1: `中南路 ${1 + (i % 300)} 号`, city: '武汉市', region: '湖北省', postal_code: '430071', country: 'CN' }) },
];
const people = Array.from({ length: count }, (_, i) => {
  const p = places[i % places.length]!;
  return {
    external_id: `lt-${String(i).padStart(6, '0')}`,
    name: p.locale === 'zh-CN' ? `王${'芳伟娜敏静丽强磊军洋'[i % 10]}` : `Person ${i}`,
    email: null,
    phone: null,
    locale: p.locale,
    country: p.country,
    postal_address: p.address(i),
    account_status: 'active' as const,
    data_categories: ['contact'],
    systems: [],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  };
});
for (let i = 0; i < people.length; i += 5000) await upsertUsers(sql, people.slice(i, i + 5000) as never, null, now);
const incident = await openIncident(
  sql,
  { title: 'Letters bench', summary: '', nature: 'other', severity: 'high', drill: true, occurred_from: null, occurred_to: null, discovered_at: now, aware_at: now, contained_at: null, systems: [], data_categories: ['contact'], regions: [], estimated_affected: null, encrypted: null, measures: [], remedies: [] },
  actor,
  now,
);
await setScope(sql, incident.id, { data_categories: ['contact'], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] }, actor, now);
await resolveSnapshot(sql, incident.id, actor, now);
const renderer = createNoticeRenderer(readTextTree('templates'));
const ctx = { renderer, publicNoticeUrl: 'https://status.example.com/status' };
const version = await freezeNotice(sql, ctx, incident.id, noticeContent.parse(sampleNoticeContent()), actor, now);
await approveNotice(sql, incident.id, version.version, { id: 'key_approver', name: 'Approver' }, now, renderer.templatesHash);
await saveProfile(sql, profileSchema.parse({ name: 'Example Devices GmbH', return_address: { name: 'Example Devices GmbH', line1: 'Friedrichstraße 1', city: 'Berlin', postal_code: '10117', country: 'DE' } }), actor.id, now);
await startDeliveries(sql, incident.id, actor, now);

const letters: LetterDeps = { pdf: nodeLetterPdf, renderer, publicNoticeUrl: ctx.publicNoticeUrl, lobCountries: [], lob: null };
const logger = createLogger('warn', (line) => process.stderr.write(`${line}\n`));

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
const before = process.memoryUsage().rss;

// The same letters laid out to PDF alone (no database, output counted and dropped): what the batch adds to it.
loadLetterFonts();
const sender = await letterSender(sql);
const aloneStart = performance.now();
let aloneBytes = 0;
const alone = nodeLetterPdf.open(sender, (c) => (aloneBytes += c.length), { title: 'bench', createdAt: now });
const sample = renderer.render({ channel: 'letter', locale: 'en', content: noticeContent.parse(sampleNoticeContent()), recipient: { name: 'Person', isGuardian: false, locale: 'en' }, links: { publicNotice: ctx.publicNoticeUrl }, incident: { title: 'Letters bench', discoveredAt: now } });
for (let i = 0; i < count; i++) {
  alone.add({ deliveryId: String(i), locale: 'en', text: sample.text!, recipientLines: [`Person ${i}`, '1 Main Street', 'Austin, TX 78701'], country: 'US', date: 'December 6, 2026' });
  if (i % 500 === 0) await new Promise((r) => setTimeout(r, 0));
}
await alone.end();
const aloneMs = performance.now() - aloneStart;
const peakAlone = peak;

peak = process.memoryUsage().rss;
const start = performance.now();
const made = await createBatch(sql, letters, incident.id, actor, new Date());
let lastReport = 0;
const progress = setInterval(async () => {
  const [b] = await sql<{ rendered: number }[]>`select rendered from letter_batches where id = ${made.batch!.id}`;
  if (b && b.rendered !== lastReport) {
    lastReport = b.rendered;
    process.stderr.write(`  rendered ${b.rendered}/${count} after ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
}, 2000);
await renderBatch({ db: sql, letters, logger, now: () => new Date() }, incident.id, made.batch!.id);
const batchMs = performance.now() - start;
clearInterval(progress);
clearInterval(sampler);
const [batch] = await sql<{ status: string; letters: number; pages: number; pdf_bytes: string }[]>`select status, letters, pages, pdf_bytes from letter_batches where id = ${made.batch!.id}`;
let downloaded = 0;
for await (const piece of (await batchPdf(sql, incident.id, made.batch!.id)).pieces) downloaded += piece.length;

console.log(`letters bench: ${count} letters on ${db.where}, Node ${process.version}`);
console.log(`  PDF alone (pdfkit, no database):   ${(aloneMs / 1000).toFixed(1)} s, ${Math.round(count / (aloneMs / 1000))} letters/s, ${mib(aloneBytes)}; peak RSS ${mib(peakAlone)}`);
console.log(`  print batch (render + store + manifest + proofs): ${batch!.status}, ${batch!.letters} letters, ${batch!.pages} pages, ${mib(Number(batch!.pdf_bytes))} PDF (downloaded ${mib(downloaded)})`);
console.log(`    time ${(batchMs / 1000).toFixed(1)} s, ${Math.round(count / (batchMs / 1000))} letters/s (${(batchMs / aloneMs).toFixed(2)}× the PDF alone)`);
console.log(`    RSS before ${mib(before)}, peak during the batch ${mib(peak)}; process max RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
await db.close();
