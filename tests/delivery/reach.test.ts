import { parse as parseCsv } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { dispatchOnce, type DispatchDeps } from '../../src/delivery/dispatch.js';
import * as ledger from '../../src/delivery/ledger.js';
import { hasIndividualChannel } from '../../src/delivery/reach.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, testRenderer, type Harness } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { directoryUser, plannedRun } from '../helpers/delivery-flow.js';

const yearsAgo = (y: number) => new Date(Date.now() - y * 365.25 * 86_400_000).toISOString().slice(0, 10);

/** A generated directory: each kind of contact situation several times over. */
function generatedDirectory(): DirectoryUser[] {
  const base = (id: string, over: Partial<DirectoryUser>): DirectoryUser => ({
    external_id: id, name: `Person ${id}`, email: null, phone: null, locale: 'en', country: 'DE', subdivision: null, account_status: 'active',
    data_categories: ['contact'], systems: ['orders-db'], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z', ...over,
  });
  const users: DirectoryUser[] = [];
  for (let i = 0; i < 7; i++) users.push(base(`email-${i}`, { email: `e${i}@example.com` }));
  for (let i = 0; i < 5; i++) users.push(base(`phone-${i}`, { phone: `+491511000${String(i).padStart(4, '0')}` }));
  for (let i = 0; i < 4; i++) users.push(base(`letter-${i}`, { postal_address: { line1: `${i} Hauptstraße`, city: 'Berlin', postal_code: '10115', country: 'DE' } }));
  for (let i = 0; i < 3; i++) users.push(base(`nocontact-${i}`, {}));
  // Three siblings with one guardian, and two more with another: the guardian's address and number are shared.
  for (const [family, kids] of [['a', 3], ['b', 2]] as const) {
    for (let k = 0; k < kids; k++) {
      users.push(base(`child-${family}${k}`, { name: `Child ${family}${k}`, birth_date: yearsAgo(8 + k), guardian_name: `Guardian ${family}`, guardian_email: `guardian-${family}@example.com`, guardian_phone: `+4915120000${family === 'a' ? '01' : '02'}` }));
    }
  }
  // Two adults sharing one phone (a family line), no email.
  users.push(base('shared-phone-1', { phone: '+4915199990000' }), base('shared-phone-2', { phone: '+4915199990000' }));
  return users;
}

async function prepared(h: Harness): Promise<{ id: string; users: DirectoryUser[] }> {
  const users = generatedDirectory();
  await upsertUsers(h.db.sql, users, null, new Date());
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['orders-db'] } });
  expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
  await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
  await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
  return { id, users };
}

const captureDeps = (h: Harness): DispatchDeps => {
  const logger = createLogger('silent');
  return {
    db: h.db.sql, renderer: testRenderer(), providers: { email: captureProvider('email', logger), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
    clock: systemClock, logger, owner: 'reach-test', batchSize: 500, leaseMs: 60_000, backoff: defaultBackoff, unknownGraceMs: 0, unknownOutcome: 'resend',
    publicNoticeUrl: 'https://example.com/status', buckets: {},
  };
};

/**
 * Each person's class of reach as the people list and the CSV give it, counted: the number flagged
 * `announcement_only` (and in each class) on the basis the list names.
 */
async function perPerson(h: Harness, id: string): Promise<{ basis: string; flagged: number; csvFlagged: number; classes: Record<string, number>; csvClasses: Record<string, number> }> {
  const list = await json<{ reach_basis: string; data: { external_id: string; reach: string; announcement_only: boolean }[]; next_cursor: string | null }>(
    await h.request('GET', `/v1/incidents/${id}/affected/users?limit=1000`, { as: 'responder' }),
  );
  expect(list.next_cursor).toBeNull();
  for (const p of list.data) expect(p.announcement_only, p.external_id).toBe(p.reach === 'announcement_only');
  const csv = parseCsv(await (await h.request('GET', `/v1/incidents/${id}/affected.csv`, { as: 'responder' })).text(), { columns: true }) as Record<string, string>[];
  expect(csv.map((r) => r.external_id)).toEqual(list.data.map((p) => p.external_id));
  for (const r of csv) expect(r.announcement_only, r.external_id).toBe(String(r.reach === 'announcement_only'));
  const tally = (classes: string[]) => classes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});
  return {
    basis: list.reach_basis,
    flagged: list.data.filter((p) => p.announcement_only).length,
    csvFlagged: csv.filter((r) => r.announcement_only === 'true').length,
    classes: tally(list.data.map((p) => p.reach)),
    csvClasses: tally(csv.map((r) => r.reach!)),
  };
}

/** The per-person classes of the list and the CSV agree with the snapshot's counts of reach, on the same basis. */
function expectPerPersonAgrees(people: Awaited<ReturnType<typeof perPerson>>, r: { basis: string; reached: number; in_flight: number; unknown: number; not_planned: number; announcement_only: number }) {
  expect(people.basis).toBe(r.basis);
  expect(people.flagged).toBe(r.announcement_only);
  expect(people.csvFlagged).toBe(r.announcement_only);
  const expected = Object.fromEntries(
    Object.entries({ reached: r.reached, in_flight: r.in_flight, unknown: r.unknown, not_planned: r.not_planned, announcement_only: r.announcement_only }).filter(([, n]) => n > 0),
  );
  expect(people.classes).toEqual(expected);
  expect(people.csvClasses).toEqual(expected);
}

interface Check { people: number; reached: number; in_flight: number; not_planned: number; covered_by_announcement: number; no_channel: number; uncovered: number; announcement_required: boolean; ok: boolean }

async function moveTo(h: Harness, id: string, status: string): Promise<Response> {
  const current = await json<{ version: number }>(await h.request('GET', `/v1/incidents/${id}`));
  return h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { status, ...(status === 'contained' ? { contained_at: new Date(Date.now() - 60_000).toISOString() } : {}) }, headers: { 'if-match': `"${current.version}"` } });
}

it('a notice to a guardian names the child it is about, on every channel and in every language', () => {
  for (const locale of ['en', 'zh-CN'])
    for (const channel of ['email', 'sms', 'voice'] as const) {
      const render = (subjectName: string | null) =>
        testRenderer().render({
          channel, locale, content: sampleNoticeContent(), recipient: { name: 'Guardian A', isGuardian: true, locale, subjectName },
          links: { publicNotice: 'https://example.com/status' }, incident: { title: 't', discoveredAt: new Date('2026-11-01T00:00:00Z') },
        });
      const mia = render('Mia Chen');
      expect(`${mia.subject ?? ''}${mia.text ?? ''}`, `${channel} ${locale}`).toContain('Mia Chen');
      expect(render('Leo Chen').text).not.toEqual(mia.text);
      expect(render(null).text).not.toContain('Mia Chen');
    }
});

describeEachDatabase('one set of counts', (harness) => {
  it('snapshot, run and check count reachable, announcement only and uncovered alike; the announcement is required and enforced', async () => {
    const h = harness();
    const { id, users } = await prepared(h);
    const individual = users.filter((u) => {
      const minor = Boolean(u.birth_date);
      const channels = [...((minor ? u.guardian_email : u.email) ? ['email'] : []), ...((minor ? u.guardian_phone : u.phone) ? ['sms', 'voice'] : []), ...(u.postal_address ? ['letter'] : [])];
      return hasIndividualChannel(channels);
    }).length;
    const expectedAnnouncementOnly = users.length - individual;
    // Letters are a channel: the letter-only people are reachable; only the no-contact ones are left to the announcement.
    expect(hasIndividualChannel(['letter'])).toBe(true);
    expect(expectedAnnouncementOnly).toBe(3);
    // Letter-only people: their letters wait (queued) for a print batch to be handed over, which the worker never does.
    const letterOnly = users.filter((u) => u.postal_address && !u.email && !u.phone && !u.birth_date).length;
    expect(letterOnly).toBe(4);

    const snapshot = await json<{ row_count: number; summary: { announcement_only: number } }>(await h.request('GET', `/v1/incidents/${id}/affected`));
    const before = await json<Check>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(snapshot.row_count).toBe(users.length);
    expect(snapshot.summary.announcement_only).toBe(expectedAnnouncementOnly);
    expectPerPersonAgrees(await perPerson(h, id), (snapshot as unknown as SnapshotReach).reach);
    expect(before).toMatchObject({ people: users.length, covered_by_announcement: expectedAnnouncementOnly, not_planned: individual, uncovered: expectedAnnouncementOnly, announcement_required: true, ok: false });

    const started = await json<{ announcement_only: number; planned: number; announcement: { required: boolean; reasons: string[] } }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    expect(started.announcement_only).toBe(expectedAnnouncementOnly);
    expect(started.planned).toBe(individual);
    expect(started.announcement.required).toBe(true);
    expect(started.announcement.reasons[0]).toContain(`${expectedAnnouncementOnly} affected people have no individual channel`);
    const planned = await json<Check>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(planned).toMatchObject({ in_flight: individual, not_planned: 0, covered_by_announcement: expectedAnnouncementOnly });

    // Everyone reachable is told (capture mode); one phone-only person's every channel then fails.
    await dispatchOnce(captureDeps(h));
    const [phoneRow] = await h.db.sql<{ id: string }[]>`select id::text as id from deliveries where external_id = 'phone-0'`;
    await h.db.sql`update deliveries set state = 'accepted' where id = ${Number(phoneRow!.id)}`;
    const next = await ledger.failAndFallBack(h.db.sql, phoneRow!.id, 'undeliverable', '21614', new Date());
    expect(next).toBe('voice');
    const [voiceRow] = await h.db.sql<{ id: string }[]>`select id::text as id from deliveries where external_id = 'phone-0' and channel = 'voice'`;
    await h.db.sql`update deliveries set state = 'sending' where id = ${Number(voiceRow!.id)}`;
    expect(await ledger.failAndFallBack(h.db.sql, voiceRow!.id, 'undeliverable', 'no-answer', new Date())).toBeNull();

    const runs = await json<{ data: { announcement_only: number }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
    const after = await json<Check>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(runs.data[0]!.announcement_only).toBe(expectedAnnouncementOnly + 1);
    // The worker never sends letters: until their batch is handed over, the letter-only people are in flight, not reached.
    expect(after).toMatchObject({ reached: individual - 1 - letterOnly, in_flight: letterOnly, covered_by_announcement: expectedAnnouncementOnly + 1, no_channel: expectedAnnouncementOnly, uncovered: expectedAnnouncementOnly + 1, ok: false });
    // Person by person too: phone-0, whose contact details still name a phone, is flagged announcement only now that every channel ended.
    const snapshotAfter = await json<SnapshotReach>(await h.request('GET', `/v1/incidents/${id}/affected`));
    expect(snapshotAfter.reach).toMatchObject({ basis: 'runs', announcement_only: expectedAnnouncementOnly + 1 });
    expectPerPersonAgrees(await perPerson(h, id), snapshotAfter.reach);
    const phone0 = await json<{ data: { external_id: string; channels: string[]; reach: string; announcement_only: boolean }[] }>(
      await h.request('GET', `/v1/incidents/${id}/affected/users?limit=1000`, { as: 'responder' }),
    );
    expect(phone0.data.find((p) => p.external_id === 'phone-0')).toMatchObject({ channels: ['sms', 'voice'], reach: 'announcement_only', announcement_only: true });
    const letterStates = await h.db.sql<{ state: string }[]>`select state from deliveries where incident_id = ${id} and channel = 'letter'`;
    expect(letterStates.map((r) => r.state)).toEqual(Array(letterOnly).fill('queued'));

    // A print batch of those letters, handed over to the mail house: the letters are accepted, the people reached.
    await h.request('PUT', '/v1/organisation', {
      json: { name: 'Example Devices GmbH', return_address: { name: 'Example Devices GmbH', line1: 'Friedrichstraße 1', city: 'Berlin', postal_code: '10117', country: 'DE' } },
    });
    const created = await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' });
    expect(created.status, await created.clone().text()).toBe(202);
    const { batch } = await json<{ batch: { id: string; letters: number } }>(created);
    expect(batch.letters).toBe(letterOnly);
    let status = 'rendering';
    for (const by = Date.now() + 60_000; status === 'rendering' && Date.now() < by; await new Promise((r) => setTimeout(r, 100))) {
      status = (await json<{ status: string }>(await h.request('GET', `/v1/incidents/${id}/letters/batches/${batch.id}`, { as: 'viewer' }))).status;
    }
    expect(status).toBe('ready');
    const handed = await h.request('POST', `/v1/incidents/${id}/letters/batches/${batch.id}/handover`, { json: { taken_by: 'Printhaus Nord' }, as: 'responder' });
    expect(handed.status, await handed.clone().text()).toBe(200);
    const runsHanded = await json<{ data: { announcement_only: number }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
    const handedOver = await json<Check>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(runsHanded.data[0]!.announcement_only).toBe(expectedAnnouncementOnly + 1);
    expect(handedOver).toMatchObject({ reached: individual - 1, in_flight: 0, not_planned: 0, covered_by_announcement: expectedAnnouncementOnly + 1, no_channel: expectedAnnouncementOnly, uncovered: expectedAnnouncementOnly + 1, announcement_required: true, ok: false });
    expect(handedOver.reached + handedOver.covered_by_announcement).toBe(users.length);
    // The guardian of several children: one notice per child, each proved in the ledger.
    const children = await h.db.sql<{ external_id: string; state: string; content_hash: string }[]>`select external_id, state, content_hash from deliveries where external_id like 'child-a%' order by external_id`;
    expect(children.map(({ external_id, state }) => ({ external_id, state }))).toEqual([0, 1, 2].map((k) => ({ external_id: `child-a${k}`, state: 'captured' })));
    // Each names its child, so each proof is of a different text.
    expect(new Set(children.map((c) => c.content_hash)).size).toBe(3);

    // Monitoring is refused until the announcement is published.
    for (const s of ['assessing', 'contained', 'notifying']) expect((await moveTo(h, id, s)).status).toBe(200);
    const refused = await moveTo(h, id, 'monitoring');
    expect(refused.status).toBe(409);
    expect(JSON.stringify(await refused.json())).toContain('public announcement is required');
    await h.request('POST', `/v1/incidents/${id}/announcement`, { as: 'responder', json: { impact: 'major' } });
    expect((await h.request('POST', `/v1/incidents/${id}/announcement/publish`, { as: 'responder' })).status).toBe(200);
    const covered = await json<Check>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(covered).toMatchObject({ uncovered: 0, ok: true });
    expect((await moveTo(h, id, 'monitoring')).status).toBe(200);
  });
});

describeEachDatabase(
  'counts of reach follow the run’s channels',
  (harness) => {
    it('a channel the run’s order leaves out cannot reach anyone: once the rest ended, the person is left to the announcement', async () => {
      const h = harness();
      const { incidentId, run } = await plannedRun(h, [
        directoryUser('order-both', { email: 'both@example.com', phone: '+4915112349901' }),
        directoryUser('order-letter', { postal_address: { line1: 'Ring 3', city: 'Köln', postal_code: '50667', country: 'DE' } }),
        directoryUser('order-nothing'),
      ]);
      // Letters are not in this order: the letter-only person gets nothing planned and counts toward the announcement.
      expect(run).toMatchObject({ channel_order: ['email', 'sms'], planned: 1, announcement_only: 2 });
      const check = async () => json<Check>(await h.request('GET', `/v1/incidents/${incidentId}/deliveries/check`));
      expect(await check()).toMatchObject({ in_flight: 1, not_planned: 0, covered_by_announcement: 2, no_channel: 2, uncovered: 2 });
      const now = new Date();
      const [email] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now, runId: run.id as string });
      expect(await ledger.failAndFallBack(h.db.sql, email!.id, 'bounced', 'bounce', now)).toBe('sms');
      const [sms] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now, runId: run.id as string });
      expect(await ledger.failAndFallBack(h.db.sql, sms!.id, 'undeliverable', '21614', now)).toBeNull();
      // The phone's voice channel is not in the order: nothing can still reach this person, so not "not planned".
      expect(await check()).toMatchObject({ reached: 0, in_flight: 0, not_planned: 0, covered_by_announcement: 3, no_channel: 2, uncovered: 3 });
      const runs = await json<{ data: { announcement_only: number }[] }>(await h.request('GET', `/v1/incidents/${incidentId}/deliveries`));
      expect(runs.data[0]!.announcement_only).toBe(3);
    });
  },
  { env: { DELIVERY_CHANNEL_ORDER: 'email,sms' } },
);

describeEachDatabase(
  'counts of reach count in-app where it goes',
  (harness) => {
    it('in-app in addition reaches a person with an account and no contact: reached, not counted as without a channel', async () => {
      const h = harness();
      const { incidentId, run } = await plannedRun(h, [directoryUser('extra-app-only'), directoryUser('extra-email', { email: 'extra@example.com' })], 'additional');
      expect(run).toMatchObject({ inapp: 'additional', planned: 2, announcement_only: 0 });
      await dispatchOnce({ ...captureDeps(h), owner: 'reach-inapp' });
      expect(await json<Check>(await h.request('GET', `/v1/incidents/${incidentId}/deliveries/check`))).toMatchObject({
        people: 2, reached: 2, in_flight: 0, covered_by_announcement: 0, no_channel: 0, uncovered: 0,
      });
    });
  },
  { env: { DELIVERY_CHANNEL_ORDER: 'email,sms' } },
);

interface SnapshotReach {
  summary: { announcement_only: number };
  reach: { basis: string; people: number; reachable: number; reached: number; in_flight: number; unknown: number; not_planned: number; announcement_only: number; no_channel: number };
}

describeEachDatabase(
  'one set of counts whatever the channel order and in-app mode',
  (harness) => {
    /** The snapshot's counts, the check's and (once there is one) the run's, asserted equal; the snapshot's returned. */
    async function agreed(h: Harness, id: string): Promise<SnapshotReach['reach']> {
      const snapshot = await json<SnapshotReach>(await h.request('GET', `/v1/incidents/${id}/affected`));
      const check = await json<Check & { reach_basis: string; unknown: number }>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
      const r = snapshot.reach;
      expect(snapshot.summary.announcement_only).toBe(r.announcement_only);
      expect({ basis: check.reach_basis, people: check.people, reached: check.reached, in_flight: check.in_flight, unknown: check.unknown, not_planned: check.not_planned, announcement_only: check.covered_by_announcement, no_channel: check.no_channel }).toEqual({
        basis: r.basis, people: r.people, reached: r.reached, in_flight: r.in_flight, unknown: r.unknown, not_planned: r.not_planned, announcement_only: r.announcement_only, no_channel: r.no_channel,
      });
      expect(r.reachable + r.announcement_only).toBe(r.people);
      const runs = await json<{ data: { announcement_only: number }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
      for (const run of runs.data) expect(run.announcement_only).toBe(r.announcement_only);
      // Person by person, the list and the CSV put each one in the class these counts count them in.
      expectPerPersonAgrees(await perPerson(h, id), r);
      return r;
    }

    async function incidentOver(h: Harness): Promise<string> {
      const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
      await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['orders-db'] } });
      const resolved = await json<SnapshotReach>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
      // No notice approved yet: the snapshot cannot know whether in-app goes in addition, and says so.
      expect(resolved.reach.basis).toBe('next_run_inapp_unknown');
      expect(resolved.summary.announcement_only).toBe(resolved.reach.announcement_only);
      return id;
    }

    it('letter-only people outside the order: the snapshot, the run and the check count them alike, before and after the run', async () => {
      const h = harness();
      const users = generatedDirectory();
      await upsertUsers(h.db.sql, users, null, new Date());
      const letterOnly = users.filter((u) => u.postal_address && !u.email && !u.phone).length;
      const noContact = users.filter((u) => !u.postal_address && !u.email && !u.phone && !u.guardian_email && !u.guardian_phone).length;
      expect([letterOnly, noContact]).toEqual([4, 3]);

      // In-app in order (not named by DELIVERY_CHANNEL_ORDER=email,sms): letter-only and no-contact people are left to the announcement.
      const inOrder = await incidentOver(h);
      expect(await agreed(h, inOrder)).toMatchObject({ basis: 'next_run_inapp_unknown', people: users.length, announcement_only: letterOnly + noContact, no_channel: letterOnly + noContact, not_planned: users.length - letterOnly - noContact });
      await h.request('POST', `/v1/incidents/${inOrder}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
      await h.request('POST', `/v1/incidents/${inOrder}/notices/1/approve`, { as: 'approver' });
      expect(await agreed(h, inOrder)).toMatchObject({ basis: 'next_run', announcement_only: letterOnly + noContact });
      const run = await json<{ planned: number; announcement_only: number }>(await h.request('POST', `/v1/incidents/${inOrder}/deliveries`, { as: 'responder' }));
      expect(run).toMatchObject({ planned: users.length - letterOnly - noContact, announcement_only: letterOnly + noContact });
      expect(await agreed(h, inOrder)).toMatchObject({ basis: 'runs', in_flight: run.planned, not_planned: 0, announcement_only: letterOnly + noContact });
      await dispatchOnce({ ...captureDeps(h), owner: 'reach-order' });
      expect(await agreed(h, inOrder)).toMatchObject({ basis: 'runs', reached: run.planned, in_flight: 0, announcement_only: letterOnly + noContact });

      // In-app in addition: once the notice says so, everyone with an account of their own is reachable, before the run too.
      const additional = await incidentOver(h);
      expect(await agreed(h, additional)).toMatchObject({ announcement_only: letterOnly + noContact });
      await h.request('POST', `/v1/incidents/${additional}/notices`, { as: 'responder', json: { content: sampleNoticeContent(), inapp: 'additional' } });
      await h.request('POST', `/v1/incidents/${additional}/notices/1/approve`, { as: 'approver' });
      expect(await agreed(h, additional)).toMatchObject({ basis: 'next_run', announcement_only: 0, no_channel: 0, not_planned: users.length });
      const both = await json<{ planned: number; announcement_only: number }>(await h.request('POST', `/v1/incidents/${additional}/deliveries`, { as: 'responder' }));
      expect(both).toMatchObject({ planned: users.length, announcement_only: 0 });
      expect(await agreed(h, additional)).toMatchObject({ basis: 'runs', in_flight: users.length, announcement_only: 0 });
      await dispatchOnce({ ...captureDeps(h), owner: 'reach-additional' });
      expect(await agreed(h, additional)).toMatchObject({ basis: 'runs', reached: users.length, announcement_only: 0 });
    });
  },
  { env: { DELIVERY_CHANNEL_ORDER: 'email,sms' } },
);
