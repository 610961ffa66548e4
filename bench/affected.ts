// bench/affected: import a generated directory through the real import path and resolve a scope hitting ~15% of it.
// The users are written to files first (NDJSON for the import, COPY text for the baseline), so neither timing includes
// making them. Prints import rows/s next to a plain COPY of the same rows into a scratch table, the rate of parsing and
// checking alone (no database), the CPU the machine and this process spent on the import, the peak RSS of this
// (importing) process, and resolution time next to a bare INSERT … SELECT (three of each, taking turns; medians compared).
// PostgreSQL and PGlite are measured in child processes of their own, so each peak RSS is that import's alone.
// Usage: TEST_DATABASE_URL=postgres://… npx tsx bench/affected.ts   (BENCH_USERS=1000000, BENCH_PGLITE_USERS=100000, BENCH_KEEP_DATABASE=1)
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { issueKey } from '../src/api-keys/service.js';
import { resolveSnapshot, setScope } from '../src/affected/service.js';
import type { Scope } from '../src/affected/schema.js';
import type { Sql } from '../src/db/client.js';
import { openEmbedded } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../src/db/node.js';
import { importLinesFrom } from '../src/directory/import-lines.js';
import { runImport } from '../src/directory/service.js';
import { CopyBatch } from '../src/directory/store.js';
import { openIncident } from '../src/incidents/service.js';
import { systemClock } from '../src/lib/clock.js';
import { newId } from '../src/lib/ids.js';
import { copyTable, fileBody, writeDirectoryFiles } from './directory-files.js';

const users = Number(process.env.BENCH_USERS ?? 1_000_000);
const pgliteUsers = Number(process.env.BENCH_PGLITE_USERS ?? 100_000);
const pgUrl = process.env.TEST_DATABASE_URL;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} rows/s`;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const rounds = 3;

type Files = Awaited<ReturnType<typeof writeDirectoryFiles>>;

/** Core-seconds every core of the machine has spent busy so far (the database server included, when it runs here). */
const machineBusy = () => cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
const processBusy = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function generate(n: number): Promise<{ files: Files; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-affected-'));
  process.stdout.write(`writing ${n.toLocaleString('en')} generated users to ${dir} … `);
  const t0 = performance.now();
  const files = await writeDirectoryFiles(dir, n);
  console.log(`${seconds(t0).toFixed(1)} s`);
  return { files, dir };
}

const lineSource = (path: string) => importLinesFrom(fileBody(path), { format: 'ndjson', maxLineBytes: 1024 * 1024, clock: systemClock });

/** A plain COPY of the pre-written rows into a scratch table without indexes: what the database takes at most. */
async function copyBaseline(sql: Sql, path: string, n: number): Promise<number> {
  await sql`drop table if exists bench_copy`;
  await sql`create table bench_copy ${sql.unsafe(copyTable)}`;
  const t0 = performance.now();
  await pipeline(createReadStream(path, { highWaterMark: 256 * 1024 }), await sql`copy bench_copy from stdin`.writable());
  const s = seconds(t0);
  await sql`drop table bench_copy`;
  return n / s;
}

/** The import's own work without a database: split, decode, parse, check and encode every line for COPY. */
async function parseOnly(path: string): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  let batch = new CopyBatch('imp_bench', systemClock.now());
  let rows = 0;
  for await (const chunk of lineSource(path).lines) {
    for (const item of chunk) {
      if (!('user' in item)) continue;
      batch.add(item.user);
      if (batch.size === 10_000) {
        rows += batch.size;
        batch = new CopyBatch('imp_bench', systemClock.now());
      }
    }
  }
  return { rows: rows + batch.size, seconds: seconds(t0) };
}

async function measure(label: string, sql: Sql, n: number, files: Files, withCopy: boolean) {
  await migrate(sql, readMigrations());
  const now = systemClock.now();
  const { key } = await issueKey(sql, { name: 'bench', role: 'responder', createdBy: null, now });
  const actor = { id: key.id, name: key.name };

  const copyRate = withCopy ? await copyBaseline(sql, files.copy, n) : null;
  const parsed = withCopy ? await parseOnly(files.ndjson) : null;

  peakRss = process.memoryUsage().rss;
  const busy0 = { machine: machineBusy(), process: processBusy() };
  const t0 = performance.now();
  const report = await runImport(sql, { ...lineSource(files.ndjson), format: 'ndjson', sourceName: 'bench', actorId: key.id, clock: systemClock, copy: withCopy });
  const importSeconds = seconds(t0);
  const importRss = peakRss;
  const busy = { machine: machineBusy() - busy0.machine, process: processBusy() - busy0.process };

  // A directory is normally in place long before an incident: both timed writes read it settled (a
  // vacuum sets the rows' hint bits), not fresh from the load, where the first reader would pay for that.
  await sql`vacuum directory_users`;
  const scope: Scope = { data_categories: ['financial_account'], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] };
  // Each timed write starts on a vacuumed table after a checkpoint, so neither pays for the writes
  // before it: not in the checkpoint, nor in an autovacuum of the rows the previous one wrote.
  const settle = async () => {
    await sql`vacuum affected_people`;
    await sql`checkpoint`;
  };
  // Resolution and its baseline take turns, three times each (each resolution a first snapshot of
  // an incident of its own): the ratio of the medians holds up on a shared, noisy machine.
  const resolveTimes: number[] = [];
  const bareTimes: number[] = [];
  let affected = 0;
  for (let round = 1; round <= rounds; round++) {
    const incident = await openIncident(
      sql,
      {
        title: `bench ${round}`, summary: '', nature: 'unauthorized_access', severity: 'high', drill: true, occurred_from: null, occurred_to: null,
        discovered_at: now, aware_at: now, contained_at: null, systems: [], data_categories: ['financial_account'], regions: [],
        estimated_affected: null, encrypted: null, measures: [], remedies: [],
      },
      actor,
      now,
    );
    await setScope(sql, incident.id, scope, actor, now);
    await settle();
    const t1 = performance.now();
    // Snapshot ids sort by time, so each write adds to the right-hand end of the people's indexes, as
    // in use: with one fixed time, or the baseline's ids sorting after the resolutions', one of the
    // two would insert into the middle of those indexes and pay for it.
    affected = (await resolveSnapshot(sql, incident.id, actor, systemClock.now())).row_count;
    resolveTimes.push(performance.now() - t1);

    // The baseline writes the same rows into the same table (same indexes), under a scratch snapshot.
    const bareId = newId('snap', systemClock.now());
    await sql`insert into affected_snapshots (id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by)
      values (${bareId}, ${incident.id}, 999, '{}', 0, '', '{}', now(), 'bench')`;
    await settle();
    const t2 = performance.now();
    await sql`
      insert into affected_people (snapshot_id, user_id, external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing,
        recipient, recipient_name, email, phone, postal_address, locale, channels, announcement_only, matched_categories, matched_systems, included_by_list)
      select ${bareId}, id, external_id, country, country, subdivision, account_status, false, false, 'self', name, email, phone, postal_address,
        locale, '{}', false, data_categories, systems, false
      from directory_users where data_categories && '{financial_account}'`;
    bareTimes.push(performance.now() - t2);
  }

  console.log(`\n${label}: ${n.toLocaleString('en')} users`);
  console.log(`  import        ${rate(report.lines_imported, importSeconds)} (${importSeconds.toFixed(1)} s, ${report.lines_rejected} rejected), peak RSS ${mb(importRss)}`);
  console.log(
    `                CPU: ${busy.machine.toFixed(1)} of ${(importSeconds * cpus().length).toFixed(1)} core-seconds busy (${cpus().length} cores): ` +
      `${busy.process.toFixed(1)} in this process, ${Math.max(0, busy.machine - busy.process).toFixed(1)} elsewhere (the database, when local)`,
  );
  if (copyRate) console.log(`  plain COPY    ${Math.round(copyRate).toLocaleString('en')} rows/s  → import is ${(report.lines_imported / importSeconds / copyRate).toFixed(2)}× COPY`);
  if (parsed) console.log(`  parse, check and encode alone (no database) ${rate(parsed.rows, parsed.seconds)}  → import is ${(report.lines_imported / importSeconds / (parsed.rows / parsed.seconds)).toFixed(2)}× that`);
  const ms = (times: number[]) => times.map((t) => t.toFixed(0)).join(' / ');
  console.log(`  resolve       ${affected.toLocaleString('en')} affected (${((affected / n) * 100).toFixed(1)}%) in ${ms(resolveTimes)} ms (median ${median(resolveTimes).toFixed(0)})`);
  console.log(`  bare insert-select of the same rows ${ms(bareTimes)} ms (median ${median(bareTimes).toFixed(0)})  → resolve is ${(median(resolveTimes) / median(bareTimes)).toFixed(2)}× bare`);
}

async function onPostgres(baseUrl: string) {
  const { files, dir } = await generate(users);
  const name = `bench_affected_${Date.now()}`;
  const admin = connectPostgres(baseUrl, 1);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const sql = connectPostgres(url.toString(), 4);
  try {
    await measure('PostgreSQL', sql, users, files, true);
  } finally {
    await sql.end();
    // BENCH_KEEP_DATABASE=1 leaves the database for a look at its plans (drop it by hand afterwards).
    if (process.env.BENCH_KEEP_DATABASE) console.log(`  kept database ${name}`);
    else await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onPglite() {
  const { files, dir } = await generate(pgliteUsers);
  const embedded = await openEmbedded(join(dir, 'pg'));
  try {
    await measure('PGlite', embedded.sql, pgliteUsers, files, false);
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Each database is measured in a process of its own, so each peak RSS is that import's alone.
const part = process.env.BENCH_AFFECTED_PART;
if (part === 'postgres') await onPostgres(pgUrl!);
else if (part === 'pglite') await onPglite();
else {
  const run = (which: string) => {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_AFFECTED_PART: which } });
    if (child.status !== 0) process.exitCode = child.status ?? 1;
  };
  if (pgUrl) run('postgres');
  else console.log('TEST_DATABASE_URL is not set: PostgreSQL figures skipped');
  run('pglite');
}
clearInterval(sampler);
