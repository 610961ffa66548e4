// Scratch PostgreSQL databases and planned delivery runs for generated people: shared by the delivery benches and the crash test.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveSnapshot, setScope } from '../src/affected/service.js';
import type { Sql } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../src/db/node.js';
import { startDeliveries } from '../src/delivery/service.js';
import { upsertUsers } from '../src/directory/store.js';
import { openIncident } from '../src/incidents/service.js';
import { ordinaryDataCategories, type DataCategory } from '../src/incidents/vocabulary.js';
import { noticeContent } from '../src/notices/content.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { approveNotice, freezeNotice } from '../src/notices/service.js';
import { readTextTree } from '../src/lib/assets.node.js';
import { sampleNoticeContent } from '../tests/helpers/notice-content.js';

export interface ScratchDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A new, migrated database next to the one `baseUrl` names; `drop` removes it. */
export async function scratchDatabase(baseUrl: string, prefix: string, pool = 4): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = connectPostgres(baseUrl, 1);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const sql = connectPostgres(url.toString(), pool);
  await migrate(sql, readMigrations());
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const benchRenderer = () => createNoticeRenderer(readTextTree('templates'));

export interface PlannedRun {
  incidentId: string;
  runId: string;
  planned: number;
  snapshotId: string;
  noticeVersionId: string;
  /** Time spent planning the ledger (POST …/deliveries), after import and snapshot. */
  planMs: number;
}

/**
 * Imports `email` people reachable by email and `sms` reachable by phone only, opens an incident
 * scoped to them, approves a notice and plans the run. `tag` keeps ids apart between runs in one database.
 */
export async function planRun(sql: Sql, p: { tag: string; email: number; sms: number; named?: boolean }): Promise<PlannedRun> {
  const now = new Date();
  // Each run in one database scopes its own people by a data category of their own.
  const category: DataCategory = ordinaryDataCategories[[...p.tag].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % ordinaryDataCategories.length]!;
  const total = p.email + p.sms;
  for (let from = 0; from < total; from += 10_000) {
    const users = [];
    for (let i = from; i < Math.min(total, from + 10_000); i++) {
      const byEmail = i < p.email;
      users.push({
        external_id: `${p.tag}-${i}`,
        // Names as a directory holds them: Latin and Chinese, some with characters HTML escapes.
        name: p.named ? (i % 3 === 0 ? `王小明${i}` : i % 7 === 0 ? `Anne O'Brien & ${i}` : `Person ${i}`) : null,
        email: byEmail ? `${p.tag}.${i}@example.com` : null,
        phone: byEmail ? null : `+8613${String(100_000_000 + i).slice(-9)}`,
        locale: i % 3 === 0 ? 'zh-CN' : 'en',
        country: 'CN',
        account_status: 'active' as const,
        data_categories: [category],
        systems: [],
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
      });
    }
    await upsertUsers(sql, users, null, now);
  }
  const actor = { id: 'key_bench', name: 'Bench' };
  const incident = await openIncident(
    sql,
    {
      title: `Delivery bench ${p.tag}`, summary: '', nature: 'other', severity: 'high', drill: false, occurred_from: null, occurred_to: null,
      discovered_at: now, aware_at: now, contained_at: null, systems: [], data_categories: [category], regions: ['CN'], estimated_affected: null,
      encrypted: null, measures: [], remedies: [],
    },
    actor,
    now,
  );
  await setScope(sql, incident.id, { data_categories: [category], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] }, actor, now);
  await resolveSnapshot(sql, incident.id, actor, now);
  const renderer = benchRenderer();
  const version = await freezeNotice(sql, { renderer, publicNoticeUrl: 'https://breachkit.example/status' }, incident.id, noticeContent.parse(sampleNoticeContent()), actor, now);
  await approveNotice(sql, incident.id, version.version, { id: 'key_bench_2', name: 'Second bench' }, now, renderer.templatesHash);
  const t0 = performance.now();
  const run = await startDeliveries(sql, incident.id, actor, now);
  return { incidentId: incident.id, runId: run.id, planned: run.planned, snapshotId: run.snapshot_id, noticeVersionId: run.notice_version_id, planMs: performance.now() - t0 };
}

/** True once no row of any run is queued or sending (cheap: both states have partial indexes). */
export async function drained(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ busy: boolean }[]>`
    select exists (select 1 from deliveries where state = 'queued') or exists (select 1 from deliveries where state = 'sending') as busy`;
  return !row!.busy;
}

/** Rows of one run still to settle (queued or sending). */
export async function remaining(sql: Sql, runId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from deliveries where run_id = ${runId} and state in ('queued', 'sending')`;
  return row!.n;
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the worker has connected and said so. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  output(): string;
  /** Peak resident memory of the process so far, from /proc (Linux), in bytes. */
  peakRss(): Promise<number>;
}

/**
 * The command `npm run worker` runs (package.json), with `script` in place of src/worker-node.ts: the benches
 * start their workers exactly as an operator does, with the same node flags (the heap limit among them).
 */
function workerCommand(script: string): string {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts.worker ?? '';
  if (!/^node .* src\/worker-node\.ts$/.test(command)) throw new Error(`package.json's worker script is not \`node … src/worker-node.ts\`: ${command}`);
  // BENCH_WORKER_NODE_ARGS go to each worker's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them).
  const extra = process.env.BENCH_WORKER_NODE_ARGS ?? '';
  return command.replace(/^node /, `node ${extra} `).replace(/src\/worker-node\.ts$/, script);
}

/** Starts a worker as `npm run worker` does (the script's own command, through sh) with `env` on top of a minimal environment. */
export function startWorker(env: Record<string, string>, script = 'src/worker-node.ts', readyText = 'delivery worker started'): WorkerProcess {
  // `exec`: the shell becomes node, so the pid (and its /proc memory figures) is the worker's own.
  const child = spawn('sh', ['-c', `exec ${workerCommand(script)}`], {
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...(process.env.WORKER_HEAP_MB ? { WORKER_HEAP_MB: process.env.WORKER_HEAP_MB } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const take = (d: Buffer) => {
    // Keep the tail only: a long run logs a line per pass.
    out = (out + d.toString()).slice(-20_000);
    if (out.includes(readyText)) resolveReady();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, pid: child.pid!, ready, exited, output: () => out, peakRss: () => peakRssOf(child.pid!) };
}

export async function peakRssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export { sleep } from '../src/lib/sleep.js';
