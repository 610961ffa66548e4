import { afterAll, beforeAll, expect, it } from 'vitest';
import * as ledger from '../../src/delivery/ledger.js';
import { upsertUsers } from '../../src/directory/store.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { dbModes } from '../helpers/db.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const base = 'https://breachkit.example';
let sg: FakeSendgrid;
let tw: FakeTwilio;
beforeAll(async () => {
  sg = await startFakeSendgrid({});
  tw = await startFakeTwilio({});
});
afterAll(async () => {
  await sg.close();
  await tw.close();
});

/** Two people with email and phone, their notices accepted by the providers; returns the delivery ids. */
async function accepted(h: Harness): Promise<{ email: string; sms: string }> {
  await upsertUsers(
    h.db.sql,
    ['w-1', 'w-2'].map((id, i) => ({ external_id: id, email: `${id}@example.com`, phone: `+861381234567${i}`, locale: 'en', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' })),
    null,
    new Date(),
  );
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } });
  await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
  await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
  await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
  await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
  const now = new Date();
  const [a, b] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now });
  await ledger.markAccepted(h.db.sql, [{ id: a!.id, providerId: 'X-MSG-1', contentHash: 'h', locale: 'en' }], 'sendgrid', 'accepted', now);
  await ledger.markAccepted(h.db.sql, [{ id: b!.id, providerId: 'X-MSG-2', contentHash: 'h', locale: 'en' }], 'sendgrid', 'accepted', now);
  // b bounces by email, so its SMS is queued: accept it through Twilio.
  return { email: a!.id, sms: b!.id };
}

const stateOf = async (h: Harness, id: string) => (await h.db.sql<{ state: string }[]>`select state from deliveries where id = ${Number(id)}`)[0]!.state;

for (const mode of dbModes) {
  it(`applies signed provider events once, with precedence, and refuses anything unsigned, forged or stale [${mode}]`, async () => {
    const h = await createHarness(mode, {
      env: {
        PUBLIC_BASE_URL: base,
        SENDGRID_API_KEY: sg.apiKey,
        SENDGRID_FROM: 'notices@example.com',
        SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey,
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: '+15005550006',
      },
    });
    try {
      const ids = await accepted(h);
      const post = (path: string, signed: { body: string; headers: Record<string, string> }) =>
        h.request('POST', path, { as: null, body: signed.body, headers: signed.headers });
      const delivered = [{ email: 'w-1@example.com', event: 'delivered', sg_event_id: 'ev-1', sg_message_id: 'X-MSG-1.0', timestamp: 1, delivery_id: ids.email }];

      // Forged, tampered, stale or missing: 401 and nothing recorded.
      const good = sg.signedWebhook(delivered);
      expect((await post('/webhooks/sendgrid', { body: good.body.replace('delivered', 'bounce'), headers: good.headers })).status).toBe(401);
      expect((await post('/webhooks/sendgrid', sg.signedWebhook(delivered, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(401);
      const other = await startFakeSendgrid({});
      expect((await post('/webhooks/sendgrid', other.signedWebhook(delivered))).status).toBe(401);
      await other.close();
      expect((await h.request('POST', '/webhooks/sendgrid', { as: null, body: good.body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
      expect(await stateOf(h, ids.email)).toBe('accepted');
      expect((await h.db.sql`select count(*)::int as n from provider_events`)[0]!.n).toBe(0);

      // Valid: applied once; a replay is a duplicate; a late "processed" never moves it back.
      expect(await json(await post('/webhooks/sendgrid', good))).toMatchObject({ applied: 1 });
      expect(await json(await post('/webhooks/sendgrid', good))).toMatchObject({ duplicate: 1, applied: 0 });
      await post('/webhooks/sendgrid', sg.signedWebhook([{ event: 'processed', sg_event_id: 'ev-2', delivery_id: ids.email, timestamp: 2 }]));
      expect(await stateOf(h, ids.email)).toBe('delivered');
      const stored = await h.db.sql<{ payload: Record<string, unknown> }[]>`select payload from provider_events where event_id = 'ev-1'`;
      expect(JSON.stringify(stored[0]!.payload)).not.toContain('w-1@example.com');

      // A bounce opens the next channel (SMS).
      await post('/webhooks/sendgrid', sg.signedWebhook([{ event: 'bounce', type: 'bounce', sg_event_id: 'ev-3', delivery_id: ids.sms, timestamp: 3 }]));
      expect(await stateOf(h, ids.sms)).toBe('bounced');
      const [next] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now: new Date() });
      expect(next!.channel).toBe('sms');
      await ledger.markAccepted(h.db.sql, [{ id: next!.id, providerId: 'SM123', contentHash: 'h', locale: 'en' }], 'twilio', 'accepted', new Date());

      // Twilio: the signature covers the public URL and every form field.
      const url = `${base}/webhooks/twilio?delivery_id=${next!.id}`;
      const params = { MessageSid: 'SM123', MessageStatus: 'delivered', AccountSid: tw.accountSid, To: '+8613812345671' };
      const signed = tw.signedCallback(url, params);
      const path = `/webhooks/twilio?delivery_id=${next!.id}`;
      expect((await h.request('POST', path, { as: null, body: `${signed.body}&Extra=1`, headers: signed.headers })).status).toBe(401);
      expect((await h.request('POST', path, { as: null, body: signed.body, headers: { 'content-type': signed.headers['Content-Type']! } })).status).toBe(401);
      expect(await json(await h.request('POST', path, { as: null, body: signed.body, headers: signed.headers }))).toEqual({ effect: 'applied' });
      const late = tw.signedCallback(url, { ...params, MessageStatus: 'sent' });
      expect(await json(await h.request('POST', path, { as: null, body: late.body, headers: late.headers }))).toEqual({ effect: 'ignored' });
      expect(await stateOf(h, next!.id)).toBe('delivered');
    } finally {
      await h.db.close();
    }
  });
}
