// The whole product on workerd with no Node worker anywhere: API, Queue consumer, Cron handler, PostgreSQL through local Hyperdrive, strict provider fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';
import type { Sql } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../../src/db/node.js';
import { testDatabaseUrl } from '../helpers/db.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

// Miniflare's local Hyperdrive proxy (a net server in this process) pipes workerd's sockets to PostgreSQL
// without an 'error' listener, so a Worker cut off while it holds a connection — which one test does on
// purpose — resets a socket here and surfaces as an uncaught ECONNRESET. The sockets that servers in this
// process accept get a listener: such a socket is closed either way; what the tests check is the ledger.
const createServer = net.createServer.bind(net) as (...args: unknown[]) => net.Server;
(net as { createServer: unknown }).createServer = (...args: unknown[]) => createServer(...args).on('connection', (socket: net.Socket) => socket.on('error', () => {}));

const adminToken = `bk_workers_admin_${'x'.repeat(24)}`;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** A database of its own on the test server (Hyperdrive's local connection string names a database, not a schema). */
async function freshDatabase(): Promise<{ url: string; sql: Sql; drop(): Promise<void> }> {
  const name = `bk_w_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = connectPostgres(testDatabaseUrl!, 1);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const server = new URL(testDatabaseUrl!);
  // Hyperdrive's local binding wants a password in the string; the local server does not check it.
  const url = `postgres://${server.username || 'postgres'}:${server.password || 'postgres'}@${server.host}/${name}`;
  const sql = connectPostgres(url, 4);
  await migrate(sql, readMigrations());
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const cleanup = connectPostgres(testDatabaseUrl!, 1);
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/**
 * wrangler.toml without its static assets: with `[assets]` configured, `wrangler dev` answers the cron
 * trigger path (/cdn-cgi/handler/scheduled) with an error instead of running `scheduled()`. Written beside
 * wrangler.toml, so its relative paths hold; /docs and its asset are covered by worker.test.ts.
 */
const flowConfig = 'wrangler.flow-test.toml';
function writeFlowConfig(): void {
  const toml = readFileSync('wrangler.toml', 'utf8').replace(/^\[assets\]\n(?:[^[\n].*\n)*/m, '').replace(/^\[build\]\n(?:[^[\n].*\n)*/m, '');
  if (/^\[(assets|build)\]/m.test(toml)) throw new Error('wrangler.toml: [assets] or [build] left in the flow test config');
  writeFileSync(flowConfig, toml);
}

/** Starts the Worker from wrangler.toml with the database and the fakes given as bindings (vars, and the admin token as a secret). */
async function startWorker(dbUrl: string, vars: Record<string, string>, persist: string): Promise<Worker> {
  writeFlowConfig();
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = dbUrl;
  const bindings: Record<string, { type: 'plain_text' | 'secret_text'; value: string }> = { BREACHKIT_ADMIN_TOKEN: { type: 'secret_text', value: adminToken } };
  for (const [name, value] of Object.entries(vars)) bindings[name] = { type: 'plain_text', value };
  const worker = await unstable_startWorker({
    config: flowConfig,
    bindings,
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, remote: false, logLevel: 'error', persist },
  });
  await worker.ready;
  return worker;
}

describe.runIf(testDatabaseUrl)('breachkit on workerd: Queue fan-out, Cron clocks, local Hyperdrive', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sg: FakeSendgrid;
  let tw: FakeTwilio;
  let worker: Worker;
  let persist: string;
  const persisted: string[] = [];
  let vars: Record<string, string>;

  const call = async (method: string, path: string, token: string, body?: unknown, type = 'application/json') => {
    const res = await worker.fetch(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as Record<string, unknown> & { [k: string]: never } };
  };
  /** A provider's webhook, posted to the Worker (the fakes address it by its public URL). */
  const toWorker = async (request: Request): Promise<Response> => {
    const path = new URL(request.url);
    const res = await worker.fetch(`http://localhost${path.pathname}${path.search}`, { method: request.method, headers: Object.fromEntries(request.headers), body: await request.text() });
    return new Response(await res.text(), { status: res.status });
  };
  const cron = async () => {
    // How `wrangler dev` runs a Cron Trigger on demand.
    const res = await worker.fetch(`http://localhost/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}`);
    expect(res.status, await res.text()).toBe(200);
  };
  const pending = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where state in ('queued', 'sending')`)[0]!.n;
  async function until(what: string, done: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * One incident's rows against what the fakes received: ids received twice, rows never received or not
   * accepted, and how the interrupted attempts were settled.
   */
  async function outcomeOf(incidentId: string) {
    const rows = await db.sql<{ id: string; state: string }[]>`select id::text as id, state from deliveries where incident_id = ${incidentId}`;
    const ids = new Set(rows.map((r) => r.id));
    const sent = [
      ...sg.recipients.map((r) => r.customArgs.delivery_id),
      ...tw.messages.map((m) => new URL(String(m.params.StatusCallback)).searchParams.get('delivery_id')),
    ].filter((id): id is string => id !== null && id !== undefined && ids.has(id));
    const settled = await db.sql<{ resolution: string; n: number }[]>`
      select resolution, count(*)::int as n from delivery_unconfirmed_attempts u join deliveries d on d.id = u.delivery_id
      where d.incident_id = ${incidentId} group by resolution order by resolution`;
    return { people: rows.length, duplicates: sent.length - new Set(sent).size, losses: rows.filter((r) => !sent.includes(r.id) || r.state !== 'accepted').length, settled };
  }

  beforeAll(async () => {
    db = await freshDatabase();
    sg = await startFakeSendgrid({});
    tw = await startFakeTwilio({ callbackTarget: toWorker });
    persist = mkdtempSync(join(tmpdir(), 'breachkit-workerd-'));
    persisted.push(persist);
    vars = {
      PUBLIC_BASE_URL: 'https://breachkit.example',
      SENDGRID_API_KEY: sg.apiKey,
      SENDGRID_FROM: 'notices@example.com',
      SENDGRID_API_URL: sg.url,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey,
      TWILIO_ACCOUNT_SID: tw.accountSid,
      TWILIO_AUTH_TOKEN: tw.authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_URL: tw.url,
      // Short leases, so an interrupted send is reconciled within the test.
      DELIVERY_LEASE_MS: '2000',
      QUEUE_IDS_PER_MESSAGE: '3',
    };
    worker = await startWorker(db.url, vars, persist);
  }, 180_000);

  afterAll(async () => {
    await worker?.dispose();
    await sg?.close();
    await tw?.close();
    await db?.drop();
    for (const dir of persisted) rmSync(dir, { recursive: true, force: true });
    rmSync(flowConfig, { force: true });
  }, 60_000);

  let incident = '';
  let responder = '';
  let approver = '';

  /** An incident with a resolved snapshot and an approved notice, `hours` after discovery, ready to send. */
  const approvedIncident = async (title: string, nature: string, hours: number): Promise<string> => {
    const created = await call('POST', '/v1/incidents', responder, {
      title,
      nature,
      severity: 'medium',
      discovered_at: hoursAgo(hours),
      aware_at: hoursAgo(hours - 1),
      systems: ['export-bucket'],
      data_categories: ['contact'],
      regions: ['CN'],
      encrypted: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as unknown as string;
    expect((await call('PUT', `/v1/incidents/${id}/scope`, responder, { data_categories: ['contact'], systems: ['export-bucket'] })).status).toBe(200);
    expect((await call('POST', `/v1/incidents/${id}/affected`, responder)).status).toBe(201);
    expect((await call('POST', `/v1/incidents/${id}/notices`, responder, { content: sampleNoticeContent() })).status).toBe(201);
    expect((await call('POST', `/v1/incidents/${id}/notices/1/approve`, approver)).status).toBe(200);
    return id;
  };
  const people = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7', 'u-8'];

  it('registers the admin key from the BREACHKIT_ADMIN_TOKEN secret on its first use', async () => {
    expect((await call('GET', '/v1/api-keys', 'bk_not_a_key_at_all_0000000000')).status).toBe(401);
    const keys = await call('GET', '/v1/api-keys', adminToken);
    expect(keys.status).toBe(200);
    const r = await call('POST', '/v1/api-keys', adminToken, { name: 'Ana (on call)', role: 'responder' });
    const a = await call('POST', '/v1/api-keys', adminToken, { name: 'Li (privacy office)', role: 'approver' });
    expect([r.status, a.status]).toEqual([201, 201]);
    responder = r.body.token as unknown as string;
    approver = a.body.token as unknown as string;
  });

  it('takes an incident with arrays, a directory import, a snapshot and a notice approved by a second key', async () => {
    const created = await call('POST', '/v1/incidents', responder, {
      title: 'Order export readable from a public bucket',
      nature: 'accidental_disclosure',
      severity: 'high',
      occurred_from: hoursAgo(40),
      discovered_at: hoursAgo(20),
      aware_at: hoursAgo(18),
      systems: ['orders-db', 'export-bucket'],
      data_categories: ['contact', 'shipping_address'],
      regions: ['CN', 'DE'],
      encrypted: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.systems).toEqual(['orders-db', 'export-bucket']);
    incident = created.body.id as unknown as string;
    const read = await call('GET', `/v1/incidents/${incident}`, responder);
    expect(read.body.regions).toEqual(['CN', 'DE']);

    // Email for u-1..u-5 (u-5 and u-6 share nothing); SMS for u-6..u-8.
    const csv = [
      'external_id,name,email,phone,locale,country,data_categories,systems',
      ...people.map((id, i) => `${id},Person ${id},${i < 5 ? `${id}@example.com` : ''},${i >= 5 ? `+861380000100${i}` : ''},${i % 2 ? 'zh-CN' : 'en'},CN,contact;shipping_address,export-bucket`),
    ].join('\n');
    const imported = await call('POST', '/v1/directory/imports?name=users.csv', responder, csv, 'text/csv');
    expect(imported.status, JSON.stringify(imported.body)).toBeLessThan(300);
    expect((await call('PUT', `/v1/incidents/${incident}/scope`, responder, { data_categories: ['contact'], systems: ['export-bucket'] })).status).toBe(200);
    const snapshot = await call('POST', `/v1/incidents/${incident}/affected`, responder);
    expect(snapshot.status).toBe(201);
    expect((await call('POST', `/v1/incidents/${incident}/notices`, responder, { content: sampleNoticeContent() })).status).toBe(201);
    // Four eyes: the drafter may not approve; the second key does.
    expect((await call('POST', `/v1/incidents/${incident}/notices/1/approve`, responder)).status).toBe(403);
    expect((await call('POST', `/v1/incidents/${incident}/notices/1/approve`, approver)).status).toBe(200);
  });

  it('drains the run through the Queue consumer into the fakes, each person exactly once, and applies the signed webhooks', async () => {
    const started = await call('POST', `/v1/incidents/${incident}/deliveries`, responder);
    expect(started.status).toBe(201);
    await until('the queue consumer to send every delivery', async () => (await pending()) === 0);

    const states = await db.sql<{ external_id: string; channel: string; state: string; id: string }[]>`select external_id, channel, state, id::text as id from deliveries order by external_id`;
    expect(states.map((s) => [s.external_id, s.channel, s.state])).toEqual(people.map((p, i) => [p, i < 5 ? 'email' : 'sms', 'accepted']));
    const mailed = sg.recipients.map((r) => r.customArgs.delivery_id);
    const texted = tw.messages.map((m) => new URL(String(m.params.StatusCallback)).searchParams.get('delivery_id'));
    const sent = [...mailed, ...texted];
    const duplicates = sent.length - new Set(sent).size;
    const losses = states.filter((s) => !sent.includes(s.id)).length;
    console.log(`workerd queue fan-out: ${states.length} people, ${sent.length} provider messages, duplicates ${duplicates}, losses ${losses}`);
    expect([duplicates, losses]).toEqual([0, 0]);
    expect(sg.duplicates()).toEqual([]);
    expect(tw.duplicates()).toEqual([]);

    // SendGrid's signed event webhook and Twilio's signed status callbacks, into the Worker.
    const flushed = await sg.flushEvents(toWorker);
    expect(flushed.failedBatches).toBe(0);
    const completed = await tw.completeAll();
    expect(completed.failedCallbacks).toBe(0);
    const after = await db.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from deliveries group by state`;
    expect(after).toEqual([{ state: 'delivered', n: people.length }]);
    const check = await call('GET', `/v1/incidents/${incident}/deliveries/check`, responder);
    expect(check.status).toBe(200);
  });

  it('sends a deadline reminder from the cron handler, not again on the next run, and completes the finished run', async () => {
    expect((await call('PUT', '/v1/organisation', adminToken, { on_call: [{ name: 'Duty lead', email: 'duty@example.com', phone: '+14155550100' }] })).status).toBe(200);
    const toDuty = () => sg.recipients.filter((r) => r.email === 'duty@example.com').length + tw.messages.filter((m) => m.resource.to === '+14155550100').length;
    expect(toDuty()).toBe(0);
    await cron();
    const first = toDuty();
    expect(first).toBeGreaterThan(0);
    const alerts = await db.sql<{ n: number }[]>`select count(*)::int as n from obligation_alerts where incident_id = ${incident} and not superseded`;
    expect(alerts[0]!.n).toBeGreaterThan(0);
    await cron();
    expect(toDuty()).toBe(first);
    const [run] = await db.sql<{ status: string }[]>`select status from delivery_runs where incident_id = ${incident}`;
    expect(run!.status).toBe('completed');
  });

  it('shows the published announcement on the status page and in the Atom feed', async () => {
    const draft = await call('POST', `/v1/incidents/${incident}/announcement`, responder, { impact: 'major' });
    expect(draft.status).toBe(201);
    expect((await call('POST', `/v1/incidents/${incident}/announcement/publish`, responder)).status).toBe(200);
    const page = await worker.fetch('http://localhost/status');
    expect(page.status).toBe(200);
    const html = await page.text();
    const feed = await worker.fetch('http://localhost/history.atom');
    expect(feed.status).toBe(200);
    const atom = await feed.text();
    // The headline of the approved notice, which the announcement is drafted from.
    const headline = sampleNoticeContent().locales.en.headline;
    expect(html).toContain(headline);
    expect(atom).toMatch(/<entry[ >]/);
    expect(atom).toContain(headline);
  });

  it('a consumer that fails after the provider accepted: the queue delivers the message again and the ledger sends nobody twice', async () => {
    // Injected by the test into its own database: the first two statements recording an acceptance fail, as
    // when an invocation dies between the provider's answer and the ledger. A sequence counts outside the
    // failing transaction.
    await db.sql.unsafe(`
      create sequence injected_faults;
      create function fail_acceptance() returns trigger language plpgsql as $$
      begin
        if new.state = 'accepted' and old.state = 'sending' and nextval('injected_faults') <= 2 then
          raise exception 'injected: recording the acceptance failed';
        end if;
        return new;
      end $$;
      create trigger fail_acceptance before update on deliveries for each row execute function fail_acceptance();`);
    try {
      const second = await approvedIncident('Support mailbox forwarded to an outside address', 'accidental_disclosure', 2);
      expect((await call('POST', `/v1/incidents/${second}/deliveries`, responder)).status).toBe(201);

      // The failed messages come back from the queue (and claim nothing: their rows are still being sent);
      // once the leases run out, the cron run asks the providers what they already have.
      await until(
        'the interrupted sends to be settled',
        async () => {
          await cron();
          return (await pending()) === 0;
        },
        90_000,
      );
      const { people, duplicates, losses, settled } = await outcomeOf(second);
      const [writes] = await db.sql<{ n: number }[]>`select last_value::int as n from injected_faults`;
      console.log(`workerd consumer failing mid-batch: ${people} people, 2 acceptance writes failed (of ${writes!.n} tried), settled after: ${JSON.stringify(settled)}, duplicates ${duplicates}, losses ${losses}`);
      expect(writes!.n).toBeGreaterThan(2);
      expect(settled.find((s) => s.resolution === 'lookup')?.n ?? 0).toBeGreaterThan(0);
      expect([duplicates, losses]).toEqual([0, 0]);
    } finally {
      await db.sql.unsafe('drop trigger fail_acceptance on deliveries; drop function fail_acceptance(); drop sequence injected_faults;');
    }
  }, 150_000);

  it('a Worker cut off mid-batch (its process gone, its queue messages lost): the next one settles every row from the ledger, nobody twice', async () => {
    const third = await approvedIncident('Courier portal exposed delivery labels', 'unauthorized_access', 3);

    // The providers take the first requests and never answer: the invocation is still waiting when it dies.
    sg.faults.script({ kind: 'timeout', accepted: true });
    tw.faults.script({ kind: 'timeout', accepted: true });
    expect((await call('POST', `/v1/incidents/${third}/deliveries`, responder)).status).toBe(201);
    const inFlight = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where incident_id = ${third} and state = 'sending'`)[0]!.n;
    await until('a send to be in flight', async () => (await inFlight()) > 0);
    await worker.dispose();

    // A new Worker with fresh local state (the old one's queue is gone); rows that fell out come back after QUEUE_REDRIVE_MS.
    persist = mkdtempSync(join(tmpdir(), 'breachkit-workerd-'));
    persisted.push(persist);
    worker = await startWorker(db.url, { ...vars, QUEUE_REDRIVE_MS: '10000' }, persist);
    await until(
      'every row of the cut-off run to be settled',
      async () => {
        await cron();
        return (await db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where incident_id = ${third} and state in ('queued', 'sending')`)[0]!.n === 0;
      },
      120_000,
    );
    const { people, duplicates, losses, settled } = await outcomeOf(third);
    console.log(`workerd Worker cut off mid-batch: ${people} people, settled after: ${JSON.stringify(settled)}, duplicates ${duplicates}, losses ${losses}`);
    expect(settled.length).toBeGreaterThan(0);
    expect([duplicates, losses]).toEqual([0, 0]);
  }, 240_000);
});
