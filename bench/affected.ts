// bench/affected: import a generated directory through the real import path and resolve a scope hitting ~15% of it.
// Prints import rows/s next to a plain COPY of the same rows, resolution time next to a bare INSERT … SELECT,
// and the peak RSS of this (importing) process.
// Usage: TEST_DATABASE_URL=postgres://… npx tsx bench/affected.ts   (BENCH_USERS=1000000, BENCH_PGLITE_USERS=100000, BENCH_KEEP_DATABASE=1)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import postgres from 'postgres';
import { issueKey } from '../src/api-keys/service.js';
import { resolveSnapshot, setScope } from '../src/affected/service.js';
import type { Scope } from '../src/affected/schema.js';
import type { Sql } from '../src/db/client.js';
import { clientOptions, openEmbedded } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { readMigrations } from '../src/db/node.js';
import { runImport } from '../src/directory/service.js';
import { openIncident } from '../src/incidents/service.js';
import { systemClock } from '../src/lib/clock.js';
import { importLines } from './import-lines.js';
import { generateUsers } from './directory-data.js';

const users = Number(process.env.BENCH_USERS ?? 1_000_000);
const pgliteUsers = Number(process.env.BENCH_PGLITE_USERS ?? 100_000);
const pgUrl = process.env.TEST_DATABASE_URL;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

/** The same rows as plain tab-separated COPY text. */
function* copyRows(n: number): Generator<string> {
  const esc = (v: unknown) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
  const arr = (a: string[]) => `{${a.join(',')}}`;
  for (const u of generateUsers(n)) {
    yield [u.external_id, u.name, u.email, u.phone, u.locale, u.country, u.subdivision, u.birth_date, u.guardian_email, u.postal_address ? JSON.stringify(u.postal_address) : null, u.account_status, u.deleted_at, arr(u.data_categories), arr(u.systems), u.created_at, u.updated_at]
      .map((v, i) => (i >= 12 && i <= 13 ? v : esc(v)))
      .join('\t') + '\n';
  }
}

async function copyBaseline(sql: Sql, n: number): Promise<number> {
  await sql`drop table if exists bench_copy`;
  await sql`create table bench_copy (external_id text, name text, email text, phone text, locale text, country text, subdivision text,
    birth_date date, guardian_email text, postal_address jsonb, account_status text, deleted_at timestamptz, data_categories text[],
    systems text[], created_at timestamptz, updated_at timestamptz)`;
  const t0 = performance.now();
  const writable = await sql`copy bench_copy from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    Readable.from(copyRows(n)).pipe(writable).on('finish', resolve).on('error', reject);
  });
  const s = seconds(t0);
  await sql`drop table bench_copy`;
  return n / s;
}

async function measure(label: string, sql: Sql, n: number, withCopy: boolean) {
  await migrate(sql, readMigrations());
  const now = systemClock.now();
  const { key } = await issueKey(sql, { name: 'bench', role: 'responder', createdBy: null, now });
  const actor = { id: key.id, name: key.name };

  const copyRate = withCopy ? await copyBaseline(sql, n) : null;

  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const report = await runImport(sql, { ...importLines(n), format: 'ndjson', sourceName: 'bench', actorId: key.id, clock: systemClock, batchSize: 10_000, copy: withCopy });
  const importSeconds = seconds(t0);
  const importRss = peakRss;

  const incident = await openIncident(
    sql,
    {
      title: 'bench', summary: '', nature: 'unauthorized_access', severity: 'high', drill: true, occurred_from: null, occurred_to: null,
      discovered_at: now, aware_at: now, contained_at: null, systems: [], data_categories: ['financial_account'], regions: [],
      estimated_affected: null, encrypted: null, measures: [], remedies: [],
    },
    actor,
    now,
  );
  const scope: Scope = { data_categories: ['financial_account'], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] };
  await setScope(sql, incident.id, scope, actor, now);
  const t1 = performance.now();
  const snap = await resolveSnapshot(sql, incident.id, actor, now);
  const resolveSeconds = seconds(t1);

  // The baseline writes the same rows into the same table (same indexes), under a scratch snapshot.
  await sql`insert into affected_snapshots (id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by)
    values ('snap_bare', ${incident.id}, 999, '{}', 0, '', '{}', now(), 'bench')`;
  const t2 = performance.now();
  await sql`
    insert into affected_people (snapshot_id, user_id, external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing,
      recipient, recipient_name, email, phone, postal_address, locale, channels, announcement_only, matched_categories, matched_systems, included_by_list)
    select 'snap_bare', id, external_id, country, country, subdivision, account_status, false, false, 'self', name, email, phone, postal_address,
      locale, '{}', false, data_categories, systems, false
    from directory_users where data_categories && '{financial_account}'`;
  const bareSeconds = seconds(t2);

  console.log(`\n${label}: ${n.toLocaleString('en')} users`);
  console.log(`  import        ${Math.round(report.lines_imported / importSeconds).toLocaleString('en')} rows/s (${importSeconds.toFixed(1)} s, ${report.lines_rejected} rejected), peak RSS ${mb(importRss)}`);
  if (copyRate) console.log(`  plain COPY    ${Math.round(copyRate).toLocaleString('en')} rows/s  → import is ${(report.lines_imported / importSeconds / copyRate).toFixed(2)}× COPY`);
  console.log(`  resolve       ${snap.row_count.toLocaleString('en')} affected (${((snap.row_count / n) * 100).toFixed(1)}%) in ${(resolveSeconds * 1000).toFixed(0)} ms`);
  console.log(`  bare insert-select of the same rows ${(bareSeconds * 1000).toFixed(0)} ms  → resolve is ${(resolveSeconds / bareSeconds).toFixed(2)}× bare`);
}

if (pgUrl) {
  const name = `bench_affected_${Date.now()}`;
  const admin = postgres(pgUrl, { max: 1, ...clientOptions });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, ...clientOptions });
  try {
    await measure('PostgreSQL', sql, users, true);
  } finally {
    await sql.end();
    // BENCH_KEEP_DATABASE=1 leaves the database for a look at its plans (drop it by hand afterwards).
    if (process.env.BENCH_KEEP_DATABASE) console.log(`  kept database ${name}`);
    else await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
} else {
  console.log('TEST_DATABASE_URL is not set: PostgreSQL figures skipped');
}

const scratch = mkdtempSync(join(tmpdir(), 'bench-affected-'));
const embedded = await openEmbedded(join(scratch, 'pg'));
try {
  await measure('PGlite', embedded.sql, pgliteUsers, false);
} finally {
  await embedded.close();
  rmSync(scratch, { recursive: true, force: true });
}
clearInterval(sampler);
