// The status page and the upload limit in workerd, against local PostgreSQL through Hyperdrive's local
// connection string, with every statement the Worker sends counted on the wire.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { addUpdate, draftAnnouncement } from '../../src/announcements/service.js';
import { issueKey } from '../../src/api-keys/service.js';
import { openIncident } from '../../src/incidents/service.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db.js';
import { startWireLog, type WireLog } from '../helpers/pg-wire-log.js';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

const actor = { id: 'key_setup', name: 'Set-up' };
const isVersionCheck = (statement: string) => /from public_page_state where id = 1/.test(statement);
const readsAnnouncements = (statement: string) => /from announcements|from announcement_updates/.test(statement);

describe.runIf(testDatabaseUrl)('the Workers build with a database, in workerd', () => {
  let worker: Worker;
  let db: TestDatabase;
  let wire: WireLog;
  let token: string;
  let incidentId: string;

  const persist = mkdtempSync(join(tmpdir(), 'breachkit-workerd-'));
  async function start(): Promise<Worker> {
    const started = await unstable_startWorker({
      config: 'wrangler.toml',
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, remote: false, persist, logLevel: (process.env.WORKER_LOG_LEVEL ?? 'error') as 'error' },
    });
    await started.ready;
    return started;
  }

  /** The statements the Worker executes while answering one request. */
  async function measured(path: string, init?: Parameters<Worker['fetch']>[1]): Promise<{ res: Awaited<ReturnType<Worker['fetch']>>; body: string; statements: string[] }> {
    const from = wire.statements.length;
    const res = await worker.fetch(`http://localhost${path}`, init);
    const body = await res.text();
    return { res, body, statements: wire.statements.slice(from) };
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const target = new URL(testDatabaseUrl!);
    wire = await startWireLog({ host: target.hostname, port: Number(target.port || 5432), searchPath: db.schema });
    // The Worker reaches this file's schema through the relay (Hyperdrive's local string needs a password).
    process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = `postgres://${target.username || 'postgres'}:${target.password || 'postgres'}@127.0.0.1:${wire.port}${target.pathname}`;
    const now = new Date();
    token = (await issueKey(db.sql, { name: 'responder', role: 'responder', createdBy: null, now })).token;
    const incident = await openIncident(
      db.sql,
      { title: 'Order export readable by link', summary: '', nature: 'accidental_disclosure', severity: 'high', drill: false, occurred_from: null, occurred_to: null, discovered_at: now, aware_at: null, contained_at: null, systems: [], data_categories: ['contact'], regions: ['CN'], estimated_affected: null, encrypted: null, measures: [], remedies: [] },
      actor,
      now,
    );
    incidentId = incident.id;
    await draftAnnouncement(db.sql, incidentId, { impact: 'major', status: 'identified', title: { en: 'Order details were exposed', 'zh-CN': '订单信息曾被泄露' }, body: { en: 'An export was readable by link.', 'zh-CN': '导出文件可通过链接读取。' } }, actor, now);
    worker = await start();
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
    await wire?.close();
    await db?.close();
    rmSync(persist, { recursive: true, force: true });
  });

  it('shows a publish on the next request, then answers a quiet page with the generation check alone', async () => {
    const before = await measured('/status');
    expect(before.res.status).toBe(200);
    expect(before.body).not.toContain('Order details were exposed');

    const publish = await measured(`/v1/incidents/${incidentId}/announcement/publish`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(publish.res.status, publish.body).toBe(200);

    const after = await measured('/status');
    expect(after.res.status).toBe(200);
    expect(after.body).toContain('Order details were exposed');
    // A new generation: the check, then the published content, read once.
    expect(after.statements.filter(isVersionCheck)).toHaveLength(1);
    expect(after.statements.filter(readsAnnouncements)).toHaveLength(2);

    for (const path of ['/status', '/status?lang=zh-CN', '/api/v2/summary.json', '/api/v2/incidents.json', '/history.atom', '/history.rss']) {
      await measured(path);
      const quiet = await measured(path);
      expect(quiet.res.status, path).toBe(200);
      console.log(`${path}, quiet: ${quiet.statements.length} statement(s): ${quiet.statements.map((s) => s.replace(/\s+/g, ' ').trim()).join(' | ')}`);
      expect(quiet.statements, path).toHaveLength(1);
      expect(isVersionCheck(quiet.statements[0]!), path).toBe(true);
    }
  });

  it('shows an update published by another process on the next request, in the JSON and the feed', async () => {
    const summary = JSON.parse((await measured('/api/v2/incidents.json')).body) as { incidents: { incident_updates: unknown[] }[] };
    const updatesBefore = summary.incidents[0]!.incident_updates.length;
    // Published from Node against the same database: nothing tells this Worker but the generation.
    await addUpdate(db.sql, incidentId, { status: 'monitoring', body: { en: 'The link no longer works.', 'zh-CN': '该链接已失效。' }, draft: false }, actor, new Date());

    const json = await measured('/api/v2/incidents.json');
    const incidents = (JSON.parse(json.body) as { incidents: { status: string; incident_updates: { body: string }[] }[] }).incidents;
    expect(incidents[0]!.incident_updates).toHaveLength(updatesBefore + 1);
    expect(incidents[0]!.status).toBe('monitoring');
    expect(incidents[0]!.incident_updates[0]!.body).toBe('The link no longer works.');
    const atom = await measured('/history.atom');
    expect(atom.res.headers.get('content-type')).toContain('application/atom+xml');
    expect(atom.body).toContain('The link no longer works.');
    // The isolate's memory serves the rest.
    const again = await measured('/history.atom');
    expect(again.body).toBe(atom.body);
    expect(again.statements).toHaveLength(1);
  });

  it('serves a fresh isolate from the data centre\'s cache: the check, and no read of the announcements', async () => {
    const atom = await measured('/history.atom');
    const json = await measured('/api/v2/summary.json');
    // A new isolate with nothing in memory, over the same local cache (as another isolate in the data centre).
    await worker.dispose();
    worker = await start();
    const fresh = await measured('/history.atom');
    expect(fresh.body).toBe(atom.body);
    expect(fresh.statements).toHaveLength(1);
    expect(isVersionCheck(fresh.statements[0]!)).toBe(true);
    const freshJson = await measured('/api/v2/summary.json');
    expect(freshJson.body).toBe(json.body);
    expect(freshJson.statements.filter(readsAnnouncements)).toEqual([]);
  }, 120_000);

  it('keeps an unknown announcement address as cheap as a quiet page', async () => {
    await measured('/status/zzzzzzzzzzzz');
    const unknown = await measured('/status/zzzzzzzzzzzz');
    expect(unknown.res.status).toBe(404);
    expect(unknown.statements).toHaveLength(1);
  });

  it('answers a directory upload over its Workers limit with its own problem, naming the limit and the way round it', async () => {
    // Just over 95,000,000 bytes: below the 100 MB Cloudflare's edge refuses by itself.
    const body = new Uint8Array(95_000_001);
    const res = await worker.fetch('http://localhost/v1/directory/imports', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; detail: string; limitBytes: number };
    expect(problem.code).toBe('payload_too_large');
    expect(problem.limitBytes).toBe(95_000_000);
    expect(problem.detail).toContain('larger than 95000000 bytes (IMPORT_LIMIT_BYTES)');
    expect(problem.detail).toContain('at most 100 MB');
    expect(problem.detail).toContain('npm run import');
  }, 60_000);
});
