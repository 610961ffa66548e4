import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSnapshot, setScope } from '../../src/affected/service.js';
import * as ledger from '../../src/delivery/ledger.js';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { openIncident } from '../../src/incidents/service.js';
import * as noticeStore from '../../src/notices/store.js';
import { connectToSchema, createTestDatabase, dbModes, type TestDatabase } from '../helpers/db.js';

const actor = { id: 'key_test', name: 'Tester' };
const now = new Date();

function person(id: string, over: Partial<DirectoryUser>): DirectoryUser {
  return {
    external_id: id, name: id, email: null, phone: null, locale: 'en', country: 'DE', subdivision: null, account_status: 'active',
    data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z', ...over,
  };
}

/** An incident with an approved notice and a snapshot of `people`. */
async function seed(db: TestDatabase, people: DirectoryUser[]): Promise<ledger.RunRow> {
  await upsertUsers(db.sql, people, null, now);
  const incident = await openIncident(
    db.sql,
    { title: 't', summary: '', nature: 'other', severity: 'low', drill: true, occurred_from: null, occurred_to: null, discovered_at: now, aware_at: null, contained_at: null, systems: [], data_categories: [], regions: [], estimated_affected: null, encrypted: null, measures: [], remedies: [] },
    actor,
    now,
  );
  await setScope(db.sql, incident.id, { data_categories: [], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: people.map((p) => p.external_id), exclude_ids: [] }, actor, now);
  const snap = await resolveSnapshot(db.sql, incident.id, actor, now);
  const noticeId = `ntc_${crypto.randomUUID().slice(0, 8)}`;
  await noticeStore.insertVersion(db.sql, {
    id: noticeId, incident_id: incident.id, version: 1, content: {} as never, content_hash: 'h', templates_hash: 't', rendered_hashes: {}, status: 'awaiting_approval',
    drafted_by: 'a', drafted_by_name: 'A', drafted_at: now, approved_by: null, approved_by_name: null, approved_at: null,
  });
  await noticeStore.markApproved(db.sql, noticeId, { id: 'b', name: 'B' }, now);
  return ledger.insertRun(db.sql, { id: `run_${crypto.randomUUID().slice(0, 8)}`, incident_id: incident.id, notice_version_id: noticeId, snapshot_id: snap.id, status: 'running', planned: 0, announcement_only: 0, created_at: now, created_by: actor.id });
}

const states = async (db: TestDatabase, run: ledger.RunRow) =>
  Object.fromEntries((await db.sql<{ k: string; state: string }[]>`select external_id || '/' || channel as k, state from deliveries where run_id = ${run.id}`).map((r) => [r.k, r.state]));

for (const mode of dbModes) {
  describe(`delivery ledger [${mode}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(mode);
    });
    afterAll(() => db.close());

    it('plans one row per person on the first channel, idempotently; no channel means the announcement', async () => {
      const run = await seed(db, [
        person('p-email', { email: 'a@example.com', phone: '+4915112345678' }),
        person('p-sms', { phone: '+4915112345679' }),
        person('p-none', {}),
        person('p-letter', { postal_address: { line1: 'x' } }),
      ]);
      const first = await ledger.planDeliveries(db.sql, run, now);
      // The letter-only person counts toward the announcement while no letter channel sends; so does the one without contact.
      expect(first.inserted).toBe(2);
      expect(first.reach).toMatchObject({ people: 4, in_flight: 2, announcement_only: 2, no_channel: 2, reachable: 2 });
      expect(await states(db, run)).toEqual({ 'p-email/email': 'queued', 'p-sms/sms': 'queued' });
      const again = await ledger.planDeliveries(db.sql, run, now);
      expect(again.inserted).toBe(0);
    });

    it('falls back email → SMS → voice on permanent failures, then leaves the person to the announcement', async () => {
      const run = await seed(db, [person('p-all', { email: 'b@example.com', phone: '+4915112345670' })]);
      await ledger.planDeliveries(db.sql, run, now);
      const claim = () => ledger.claimDeliveries(db.sql, { owner: 'w1', limit: 10, leaseMs: 60_000, now, runId: run.id });
      const [email] = await claim();
      expect(email).toMatchObject({ channel: 'email', email: 'b@example.com', attempts: 1 });
      expect(await ledger.failAndFallBack(db.sql, email!.id, 'bounced', 'bounce', now)).toBe('sms');
      const [sms] = await claim();
      expect(sms!.channel).toBe('sms');
      expect(await ledger.failAndFallBack(db.sql, sms!.id, 'undeliverable', '21610', now)).toBe('voice');
      const [voice] = await claim();
      expect(await ledger.failAndFallBack(db.sql, voice!.id, 'undeliverable', '21614', now)).toBeNull();
      expect(await states(db, run)).toEqual({ 'p-all/email': 'bounced', 'p-all/sms': 'undeliverable', 'p-all/voice': 'undeliverable' });
    });

    it('gives a rate-limited attempt back, counts a transient one, and never moves a state backwards', async () => {
      const run = await seed(db, [person('p-r', { email: 'c@example.com' })]);
      await ledger.planDeliveries(db.sql, run, now);
      const [row] = await ledger.claimDeliveries(db.sql, { owner: 'w1', limit: 10, leaseMs: 60_000, now, runId: run.id });
      await ledger.requeue(db.sql, [row!.id], { notBefore: now, errorCode: 'rate_limited', refundAttempt: true, now });
      const [again] = await ledger.claimDeliveries(db.sql, { owner: 'w1', limit: 10, leaseMs: 60_000, now, runId: run.id });
      expect(again!.attempts).toBe(1);
      await ledger.markAccepted(db.sql, [{ id: again!.id, providerId: 'SG1', contentHash: 'x', locale: 'en' }], 'sendgrid', 'accepted', now);
      expect(await ledger.applyProviderState(db.sql, { provider: 'sendgrid', providerId: 'SG1', state: 'delivered', now })).toMatchObject({ from: 'accepted' });
      // A late "accepted" (e.g. processed) after delivered changes nothing.
      expect(await ledger.applyProviderState(db.sql, { provider: 'sendgrid', providerId: 'SG1', state: 'accepted', now })).toBeNull();
      expect(await states(db, run)).toEqual({ 'p-r/email': 'delivered' });
    });

    it.runIf(mode === 'postgres')('lets concurrent workers claim disjoint rows', async () => {
      const people = Array.from({ length: 300 }, (_, i) => person(`p-c-${i}`, { email: `c${i}@example.com` }));
      const run = await seed(db, people);
      await ledger.planDeliveries(db.sql, run, now);
      const clients = [0, 1, 2, 3].map(() => connectToSchema(db.schema!, 2));
      try {
        const claimed: string[] = [];
        await Promise.all(
          clients.map(async (c, w) => {
            for (;;) {
              const rows = await ledger.claimDeliveries(c, { owner: `w${w}`, limit: 25, leaseMs: 60_000, now, runId: run.id });
              if (rows.length === 0) break;
              claimed.push(...rows.map((r) => r.id));
            }
          }),
        );
        expect(claimed).toHaveLength(300);
        expect(new Set(claimed).size).toBe(300);
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    });
  });
}
