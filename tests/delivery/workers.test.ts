import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSnapshot, setScope } from '../../src/affected/service.js';
import { startDeliveries } from '../../src/delivery/service.js';
import { migrate } from '../../src/db/migrate.js';
import { connectPostgres, readMigrations } from '../../src/db/node.js';
import { upsertUsers } from '../../src/directory/store.js';
import { openIncident } from '../../src/incidents/service.js';
import { noticeContent } from '../../src/notices/content.js';
import { approveNotice, freezeNotice } from '../../src/notices/service.js';
import { testDatabaseUrl } from '../helpers/db.js';
import { testRenderer } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { startFakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio } from '../fakes/twilio.js';
import { providerEnvFor } from '../fakes/env.js';

const children: ChildProcess[] = [];
const fakes: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(fakes.map((f) => f.close()));
});

describe.runIf(testDatabaseUrl)('npm run worker [postgres]', () => {
  it('two worker processes drain one ledger together, each notice settled once, and stop cleanly', async () => {
    const name = `bk_workers_${Date.now()}`;
    const admin = connectPostgres(testDatabaseUrl!, 1);
    await admin.unsafe(`create database ${name}`);
    const url = new URL(testDatabaseUrl!);
    url.pathname = `/${name}`;
    const sql = connectPostgres(url.toString(), 4);
    try {
      await migrate(sql, readMigrations());
      const now = new Date();
      const people = Array.from({ length: 600 }, (_, i) => ({
        external_id: `wk-${i}`,
        email: i % 2 ? `wk${i}@example.com` : null,
        phone: i % 2 ? null : `+86138${String(10_000_000 + i)}`,
        locale: i % 3 ? 'zh-CN' : 'en',
        country: 'CN',
        account_status: 'active' as const,
        data_categories: ['contact'],
        systems: [],
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
      }));
      await upsertUsers(sql, people, null, now);
      const drafter = { id: 'key_a', name: 'Drafter' };
      const incident = await openIncident(
        sql,
        { title: 'Workers', summary: '', nature: 'other', severity: 'high', drill: false, occurred_from: null, occurred_to: null, discovered_at: now, aware_at: now, contained_at: null, systems: [], data_categories: ['contact'], regions: ['CN'], estimated_affected: null, encrypted: null, measures: [], remedies: [] },
        drafter,
        now,
      );
      await setScope(sql, incident.id, { data_categories: ['contact'], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] }, drafter, now);
      await resolveSnapshot(sql, incident.id, drafter, now);
      const ctx = { renderer: testRenderer(), publicNoticeUrl: 'https://example.com/status' };
      const version = await freezeNotice(sql, ctx, incident.id, noticeContent.parse(sampleNoticeContent()), drafter, now);
      await approveNotice(sql, incident.id, version.version, { id: 'key_b', name: 'Approver' }, now, ctx.renderer.templatesHash);
      // The Twilio fake answers each message 100 ms late and each worker keeps two requests in flight (20 SMS
      // a second): one worker alone would need 15 s for the 300 SMS, far longer than the other takes to wake and claim.
      const sg = await startFakeSendgrid({});
      const tw = await startFakeTwilio({ faults: { slow: 1, slowMs: 100 } });
      fakes.push(sg, tw);
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: url.toString(),
        ...providerEnvFor(sg, tw),
        TWILIO_MAX_IN_FLIGHT: '2',
        DELIVERY_PASSES_IN_FLIGHT: '1',
        DELIVERY_BATCH_SIZE: '40',
        LOG_LEVEL: 'info',
      };
      const logs: string[] = ['', ''];
      const exits = [0, 1].map((w) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-node.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        child.stdout!.on('data', (d: Buffer) => (logs[w] += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (logs[w] += d.toString()));
        return new Promise<number | null>((resolve) => child.on('exit', resolve));
      });
      // The ledger is planned once both workers are up, so both find work.
      const upBy = Date.now() + 60_000;
      while (!logs.every((l) => l.includes('delivery worker started')) && Date.now() < upBy) await new Promise((r) => setTimeout(r, 100));
      await startDeliveries(sql, incident.id, drafter, now);
      const deadline = Date.now() + 60_000;
      let settled = 0;
      while (Date.now() < deadline) {
        [{ n: settled }] = (await sql`select count(*)::int as n from deliveries where state = 'accepted'`) as unknown as [{ n: number }];
        if (settled === 600) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(settled).toBe(600);
      const [{ n: rows }] = (await sql`select count(*)::int as n from deliveries`) as unknown as [{ n: number }];
      expect(rows).toBe(600);
      // Each person reached once: 300 emails and 300 SMS, no address or number twice.
      expect(new Set(sg.recipients.map((r) => r.email)).size).toBe(300);
      expect(sg.recipients).toHaveLength(300);
      expect(new Set(tw.messages.map((m) => m.resource.to)).size).toBe(300);
      expect(tw.messages).toHaveLength(300);
      for (const c of children.slice(-2)) c.kill('SIGTERM');
      expect(await Promise.all(exits)).toEqual([0, 0]);
      // Both processes took part, and neither logged an address or number.
      expect(logs.every((l) => l.includes('"msg":"delivery pass"'))).toBe(true);
      expect(logs.join('\n')).not.toMatch(/@example\.com|\+86138/);
    } finally {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
