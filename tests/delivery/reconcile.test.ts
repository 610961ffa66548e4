import { afterEach, beforeEach, expect, it } from 'vitest';
import { dispatchOnce, reconcileExpired, type DispatchDeps } from '../../src/delivery/dispatch.js';
import * as ledger from '../../src/delivery/ledger.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import { twilioSdkProvider } from '../../src/delivery/providers/twilio-sdk.js';
import type { DeliveryProvider } from '../../src/delivery/providers/types.js';
import { canonicalJson, sha256Hex } from '../../src/lib/hash.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { upsertUsers } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio } from '../fakes/twilio.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, testRenderer } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { directoryUser, plannedRun } from '../helpers/delivery-flow.js';

// A fresh fake per database run: delivery ids start at 1 in each database.
let sg: FakeSendgrid;
beforeEach(async () => {
  sg = await startFakeSendgrid({});
});
afterEach(() => sg.close());

describeEachDatabase('interrupted sends', (harness) => {
  it('asks the provider before sending again: found → accepted, unknown to it → queued again', async () => {
    const h = harness();
    await upsertUsers(
      h.db.sql,
      ['rc-sent', 'rc-lost'].map((id) => ({ external_id: id, email: `${id}@example.com`, locale: 'en', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' })),
      null,
      new Date(),
    );
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: ['rc-sent', 'rc-lost'] } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
    await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
    const run = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));

    // A worker claims both, sends one, and dies before recording anything: its lease runs out.
    const claimed = await ledger.claimDeliveries(h.db.sql, { owner: 'dead-worker', limit: 10, leaseMs: -1000, now: new Date(), runId: run.id });
    const email = sendgridSdkProvider({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url });
    const sent = claimed.find((c) => c.external_id === 'rc-sent')!;
    const lost = claimed.find((c) => c.external_id === 'rc-lost')!;
    await email.send([{ deliveryId: sent.id, channel: 'email', to: sent.email!, contentHash: 'x', rendered: { channel: 'email', locale: 'en', subject: 's', html: '<p>n</p>', text: 'n' } }]);

    const logger = createLogger('silent');
    const deps: DispatchDeps = {
      db: h.db.sql,
      renderer: testRenderer(),
      providers: { email, sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
      clock: systemClock,
      logger,
      owner: 'reconciler',
      batchSize: 10,
      leaseMs: 60_000,
      backoff: defaultBackoff,
      unknownGraceMs: 0,
      unknownOutcome: 'resend',
      publicNoticeUrl: 'https://example.com/status',
      buckets: {},
    };
    expect(await reconcileExpired(deps)).toEqual({ fromEvents: 0, found: 1, requeued: 1, resent: 0, held: 0, undecided: 0 });
    const states = await h.db.sql<{ id: string; state: string; provider_id: string | null }[]>`select id::text as id, state, provider_id from deliveries where run_id = ${run.id}`;
    expect(states.find((s) => s.id === sent.id)).toMatchObject({ state: 'accepted', provider_id: expect.any(String) });
    expect(states.find((s) => s.id === lost.id)).toMatchObject({ state: 'queued' });
    expect(sg.recipientsFor(sent.id)).toHaveLength(1);
  });

  it('lets one reconciler at a time decide about a row: no other reconciler or worker takes it while the provider is asked', async () => {
    const h = harness();
    await upsertUsers(
      h.db.sql,
      [{ external_id: 'rc-race', email: 'rc-race@example.com', locale: 'en', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' }],
      null,
      new Date(),
    );
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: ['rc-race'] } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
    await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
    const run = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    const [row] = await ledger.claimDeliveries(h.db.sql, { owner: 'dead-worker', limit: 10, leaseMs: -1000, now: new Date(), runId: run.id });

    // Reconciler B asks a slow provider; meanwhile reconciler A and a worker come round.
    type Answer = { kind: 'answered'; found: Map<string, string | null> };
    const nothing = (): Answer => ({ kind: 'answered', found: new Map() });
    let answer: (v: Answer) => void = () => {};
    const slow = new Promise<Answer>((resolve) => (answer = resolve));
    let asked = 0;
    const email = (lookup: () => Promise<Answer>) => ({ ...captureProvider('email', createLogger('silent')), name: 'sendgrid', capture: false, lookup: () => (asked++, lookup()) });
    const logger = createLogger('silent');
    const deps = (owner: string, lookup: () => Promise<Answer>): DispatchDeps => ({
      db: h.db.sql,
      renderer: testRenderer(),
      providers: { email: email(lookup), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
      clock: systemClock,
      logger,
      owner,
      batchSize: 10,
      leaseMs: 60_000,
      backoff: defaultBackoff,
      unknownGraceMs: 0,
      unknownOutcome: 'resend',
      publicNoticeUrl: 'https://example.com/status',
      buckets: {},
    });
    const b = reconcileExpired(deps('reconciler-b', () => slow));
    while (asked === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await reconcileExpired(deps('reconciler-a', async () => nothing()))).toEqual({ fromEvents: 0, found: 0, requeued: 0, resent: 0, held: 0, undecided: 0 });
    expect(await ledger.claimDeliveries(h.db.sql, { owner: 'worker-c', limit: 10, leaseMs: 60_000, now: new Date(), runId: run.id })).toEqual([]);
    answer(nothing());
    expect(await b).toEqual({ fromEvents: 0, found: 0, requeued: 1, resent: 0, held: 0, undecided: 0 });
    expect(asked).toBe(1);
    // Now queued once, for exactly one worker to send.
    const again = await ledger.claimDeliveries(h.db.sql, { owner: 'worker-c', limit: 10, leaseMs: 60_000, now: new Date(), runId: run.id });
    expect(again.map((r) => r.id)).toEqual([row!.id]);
  });
});

describeEachDatabase('unknown outcomes: a rule, not a loop', (harness) => {
  it('settles from stored events first, remembers an account without look-up, holds after the grace period, and settles by hand through the route', async () => {
    const h = harness();
    const none = await startFakeSendgrid({ activity: 'none' });
    try {
      const ids = ['uo-event', 'uo-held', 'uo-marked'];
      await upsertUsers(
        h.db.sql,
        ids.map((id) => ({ external_id: id, email: `${id}@example.com`, locale: 'en', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' })),
        null,
        new Date(),
      );
      const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
      await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: ids } });
      await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
      await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
      await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
      const run = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
      const claimed = await ledger.claimDeliveries(h.db.sql, { owner: 'dead-worker', limit: 10, leaseMs: -1000, now: new Date(), runId: run.id });
      const byId = new Map(claimed.map((c) => [c.external_id, c.id]));
      // SendGrid's processed event for one of them was stored before the worker died.
      await h.db.sql`insert into provider_events (provider, event_id, delivery_id, kind, received_at, payload)
        values ('sendgrid', 'ev-1', ${Number(byId.get('uo-event'))}, 'processed', now(), ${h.db.sql.json({ sg_message_id: 'sg-msg-1', event: 'processed' })})`;

      const logger = createLogger('silent');
      let now = new Date();
      const clock = { now: () => now };
      const deps: DispatchDeps = {
        db: h.db.sql, renderer: testRenderer(), clock, logger, owner: 'reconciler', batchSize: 10, leaseMs: 60_000, backoff: defaultBackoff,
        providers: { email: sendgridSdkProvider({ apiKey: none.apiKey, from: 'notices@example.com', baseUrl: none.url }), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
        unknownGraceMs: 5 * 60_000, unknownOutcome: 'hold', publicNoticeUrl: 'https://example.com/status', buckets: {},
      };
      expect(await reconcileExpired(deps)).toEqual({ fromEvents: 1, found: 0, requeued: 0, resent: 0, held: 0, undecided: 2 });
      const settled = await h.db.sql<{ state: string; provider_id: string; content_hash: string }[]>`select state, provider_id, content_hash from deliveries where id = ${Number(byId.get('uo-event'))}`;
      expect(settled[0]).toMatchObject({ state: 'accepted', provider_id: 'sg-msg-1', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(none.stats.activityRequests).toBe(1);
      let check = await json<{ in_flight: number; stuck_sending: number; unknown: number }>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
      expect(check).toMatchObject({ in_flight: 2, stuck_sending: 2, unknown: 0 });

      // Within the grace period: checked again, without asking the account that has no look-up.
      now = new Date(now.getTime() + 60_000);
      expect(await reconcileExpired(deps)).toMatchObject({ undecided: 2, held: 0 });
      expect(none.stats.activityRequests).toBe(1);
      // After it: held as unknown, out of `sending`, listed by the check route.
      now = new Date(now.getTime() + 5 * 60_000);
      expect(await reconcileExpired(deps)).toMatchObject({ held: 2, undecided: 0 });
      check = await json(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
      expect(check).toMatchObject({ in_flight: 0, stuck_sending: 0, unknown: 2, ok: false });
      const listed = (check as unknown as { unknown_deliveries: { delivery_id: string }[] }).unknown_deliveries.map((u) => u.delivery_id).sort();
      expect(listed).toEqual([byId.get('uo-held'), byId.get('uo-marked')].sort());

      // Settled by hand: a reason is required to mark one sent; the other is sent again.
      const settle = (delivery: string, body: unknown) => h.request('POST', `/v1/incidents/${id}/deliveries/unknown/${delivery}`, { as: 'responder', json: body });
      const noReason = await settle(byId.get('uo-marked')!, { action: 'mark_sent' });
      expect(noReason.status).toBe(400);
      expect(JSON.stringify(await noReason.json())).toContain('reason');
      const marked = await json<{ state: string; unconfirmed_attempts: { resolution: string; reason: string }[] }>(await settle(byId.get('uo-marked')!, { action: 'mark_sent', reason: 'listed as delivered in the provider dashboard' }));
      expect(marked.state).toBe('accepted');
      expect(marked.unconfirmed_attempts).toMatchObject([{ resolution: 'marked_sent', reason: 'listed as delivered in the provider dashboard' }]);
      const resent = await json<{ state: string; unconfirmed_attempts: { resolution: string }[] }>(await settle(byId.get('uo-held')!, { action: 'resend' }));
      expect(resent).toMatchObject({ state: 'queued', unconfirmed_attempts: [{ resolution: 'resent' }] });
      expect((await settle(byId.get('uo-held')!, { action: 'resend' })).status).toBe(409);
      const timeline = await json<{ events: { type: string; data: { action?: string } }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
      expect(timeline.events.filter((e) => e.type === 'delivery.unknown_settled').map((e) => e.data.action)).toEqual(['mark_sent', 'resend']);
      check = await json(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
      expect(check).toMatchObject({ unknown: 0, in_flight: 1 });
    } finally {
      await none.close();
    }
  });
});

describeEachDatabase('the proof of an interrupted notice that carries the person’s own link', (harness) => {
  it('is the hash of the text the provider received, recorded before the send and kept when the look-up settles it', async () => {
    const h = harness();
    const tw = await startFakeTwilio({});
    try {
      const { incidentId: id } = await plannedRun(h, [directoryUser('pf-sms', { name: null, phone: '+8613812340777', country: 'CN' })]);

      const sms = twilioSdkProvider('sms', { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: 'https://breachkit.example/webhooks/twilio' });
      // A worker whose process dies once Twilio has the message, before anything is recorded.
      const dying: DeliveryProvider = { ...sms, send: async (messages) => (await sms.send(messages), new Promise<never>(() => {})) };
      const logger = createLogger('silent');
      let now = new Date();
      const deps = (owner: string, provider: DeliveryProvider): DispatchDeps => ({
        db: h.db.sql, renderer: testRenderer(), clock: { now: () => now }, logger, owner, batchSize: 10, leaseMs: 60_000, backoff: defaultBackoff,
        providers: { email: captureProvider('email', logger), sms: provider, voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
        unknownGraceMs: 0, unknownOutcome: 'resend', publicNoticeUrl: 'https://breachkit.example/status', noticePageBaseUrl: 'https://breachkit.example', buckets: {},
      });
      void dispatchOnce(deps('dead-worker', dying));
      for (const by = Date.now() + 10_000; tw.messages.length === 0 && Date.now() < by; ) await new Promise((r) => setTimeout(r, 20));
      expect(tw.messages).toHaveLength(1);

      now = new Date(now.getTime() + 120_000);
      expect(await reconcileExpired(deps('reconciler', sms))).toMatchObject({ found: 1, requeued: 0, resent: 0 });
      const [row] = await h.db.sql<{ state: string; provider_id: string; content_hash: string; locale: string }[]>`
        select state, provider_id, content_hash, locale from deliveries where incident_id = ${id}`;
      const received = tw.messages[0]!.resource;
      expect(row).toMatchObject({ state: 'accepted', provider_id: received.sid });
      // The text Twilio received, rendered again with the link it carries: the same text, and its hash is the proof.
      const link = /https:\/\/breachkit\.example\/n\/[A-Za-z0-9_-]{22}/.exec(received.body)![0];
      const facts = (await h.db.sql<{ content: NoticeContent; title: string; discovered_at: Date }[]>`
        select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id where i.id = ${id}`)[0]!;
      const rendered = testRenderer().render({
        channel: 'sms', locale: row!.locale, content: facts.content, recipient: { name: null, isGuardian: false, locale: row!.locale },
        links: { publicNotice: 'https://breachkit.example/status', noticePage: link }, incident: { title: facts.title, discoveredAt: facts.discovered_at },
      });
      expect(rendered.text).toBe(received.body);
      expect(row!.content_hash).toBe(sha256Hex(canonicalJson(rendered)));
    } finally {
      await tw.close();
    }
  });
});
