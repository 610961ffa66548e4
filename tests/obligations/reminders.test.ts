// Deadline reminders through the real provider SDKs into the strict fakes, once each; and the
// individuals_notified_at anchor derived from the delivery ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchOnce } from '../../src/delivery/dispatch.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import { twilioSdkProvider } from '../../src/delivery/providers/twilio-sdk.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { upsertUsers } from '../../src/directory/store.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { remindersDue, sweepReminders, type ReminderDeps } from '../../src/obligations/reminders.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { dbModes } from '../helpers/db.js';
import { createHarness, json, testRenderer, type Harness } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { evaluate, incident, obligation } from './helpers.js';

const base = 'https://breachkit.example';

const incidentBody = {
  title: 'Reminder drill',
  nature: 'unauthorized_access',
  severity: 'high',
  discovered_at: '2026-11-18T08:00:00Z',
  aware_at: '2026-11-18T10:00:00Z',
  data_categories: ['contact'],
  regions: ['DE'],
  estimated_affected: { total: 40, by_region: { DE: 40 } },
  encrypted: false,
};

describe('which reminders are due', () => {
  it('passes 50%, 75%, 90% and the due time of a 72-hour window in order, and none once filed', () => {
    const r = evaluate({ incident: incident({ regions: ['DE'], aware_at: new Date('2026-11-18T10:00:00Z'), estimated_affected: { by_region: { DE: 5 } } }) }, '2026-11-18T10:00:00Z');
    const o = obligation(r, 'eu-gdpr-33:DE');
    const at = (h: number) => remindersDue([o], [0.5, 0.75, 0.9, 1], new Date(Date.parse('2026-11-18T10:00:00Z') + h * 3_600_000)).map((x) => x.threshold);
    expect(at(35)).toEqual([]);
    expect(at(36)).toEqual([0.5]);
    expect(at(54)).toEqual([0.5, 0.75]);
    expect(at(64.8)).toEqual([0.5, 0.75, 0.9]);
    expect(at(72)).toEqual([0.5, 0.75, 0.9, 1]);
    const filed = evaluate({ incident: incident({ regions: ['DE'], aware_at: new Date('2026-11-18T10:00:00Z') }), filings: [{ rule_id: 'eu-gdpr-33', filed_at: new Date('2026-11-19T00:00:00Z') }] }, '2026-11-21T10:00:00Z');
    expect(remindersDue([obligation(filed, 'eu-gdpr-33:DE')], [0.5, 1], new Date('2026-11-21T10:00:00Z'))).toEqual([]);
  });
});

for (const mode of dbModes) {
  describe(`reminders and the notification anchor [${mode}]`, () => {
    let h: Harness;
    let sg: FakeSendgrid;
    let tw: FakeTwilio;
    const clock = fixedClock(new Date('2026-11-20T00:00:00Z'));
    beforeAll(async () => {
      sg = await startFakeSendgrid({});
      tw = await startFakeTwilio({});
      h = await createHarness(mode, { clock, env: { PUBLIC_BASE_URL: base } });
    });
    afterAll(async () => {
      await sg.close();
      await tw.close();
      await h.db.close();
    });

    const reminderDeps = (): ReminderDeps => ({
      db: h.db.sql,
      logger: createLogger('silent'),
      providers: {
        email: sendgridSdkProvider({ apiKey: sg.apiKey, from: 'alerts@example.com', baseUrl: sg.url }),
        sms: twilioSdkProvider('sms', { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: `${base}/webhooks/twilio` }),
      },
    });
    const alerts = (id: string, key: string) =>
      h.db.sql<{ threshold: string; superseded: boolean; sent_to: number; outcome: string }[]>`
        select threshold, superseded, sent_to, outcome from obligation_alerts where incident_id = ${id} and rule_id = ${key} order by threshold`;

    it('tells the on-call responders once per share of the window, by email and SMS, and stops when filed', async () => {
      expect((await h.request('PUT', '/v1/organisation', { json: { on_call: [{ name: 'Duty lead', email: 'duty@example.com', phone: '+14155550100' }] } })).status).toBe(200);
      const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: incidentBody }));
      const key = 'eu-gdpr-33:DE';

      // 38 of 72 hours: the 50% reminder.
      const first = await sweepReminders(reminderDeps(), clock.now());
      expect(first.sent).toBeGreaterThan(0);
      expect(await alerts(id, key)).toEqual([{ threshold: '0.5', superseded: false, sent_to: 2, outcome: 'accepted,accepted' }]);
      const mail = sg.recipients.find((r) => r.email === 'duty@example.com' && r.subject?.includes('eu-gdpr-33'));
      expect(mail?.subject).toMatch(/due in 34\.0 hours/);
      expect(tw.messages.some((m) => m.resource.to === '+14155550100' && m.resource.body.includes('eu-gdpr-33'))).toBe(true);

      // The same moment again: nothing new.
      const mailsBefore = sg.recipients.length;
      expect((await sweepReminders(reminderDeps(), clock.now())).sent).toBe(0);
      expect(sg.recipients.length).toBe(mailsBefore);

      // 70 of 72 hours: 75% and 90% have both passed; only 90% is sent.
      clock.set(new Date('2026-11-21T08:00:00Z'));
      await sweepReminders(reminderDeps(), clock.now());
      expect(await alerts(id, key)).toEqual([
        { threshold: '0.5', superseded: false, sent_to: 2, outcome: 'accepted,accepted' },
        { threshold: '0.75', superseded: true, sent_to: 0, outcome: 'superseded' },
        { threshold: '0.9', superseded: false, sent_to: 2, outcome: 'accepted,accepted' },
      ]);

      // Filed before the due time: no reminder at due.
      expect((await h.request('POST', `/v1/incidents/${id}/obligations/eu-gdpr-33/filings`, { as: 'responder', json: { target: 'DE' } })).status).toBe(201);
      clock.set(new Date('2026-11-21T10:00:00Z'));
      await sweepReminders(reminderDeps(), clock.now());
      expect((await alerts(id, key)).map((a) => a.threshold)).toEqual(['0.5', '0.75', '0.9']);

      const timeline = await json<{ events: { type: string; data: { obligation: string; threshold: string } }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }));
      expect(timeline.events.filter((e) => e.type === 'obligation.reminder' && e.data.obligation === key).map((e) => e.data.threshold)).toEqual(['50%', '90%']);
      // Only the on-call address and number were contacted.
      expect(new Set(sg.recipients.map((r) => r.email))).toEqual(new Set(['duty@example.com']));
    });

    it('records "nobody on call" when no one is set, and captures instead of sending without credentials', async () => {
      clock.set(new Date('2026-11-20T00:00:00Z'));
      await h.request('PUT', '/v1/organisation', { json: {} });
      const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...incidentBody, title: 'Nobody on call' } }));
      const logger = createLogger('silent');
      await sweepReminders({ db: h.db.sql, logger, providers: { email: captureProvider('email', logger), sms: captureProvider('sms', logger) } }, clock.now());
      expect(await alerts(id, 'eu-gdpr-33:DE')).toEqual([{ threshold: '0.5', superseded: false, sent_to: 0, outcome: 'nobody on call' }]);

      await h.request('PUT', '/v1/organisation', { json: { on_call: [{ name: 'Duty lead', email: 'duty@example.com' }] } });
      clock.set(new Date('2026-11-21T02:00:00Z'));
      await sweepReminders({ db: h.db.sql, logger, providers: { email: captureProvider('email', logger), sms: captureProvider('sms', logger) } }, clock.now());
      expect((await alerts(id, 'eu-gdpr-33:DE')).find((a) => a.threshold === '0.75')).toEqual({ threshold: '0.75', superseded: false, sent_to: 1, outcome: 'captured' });
    });

    it('derives individuals_notified_at from the delivery ledger once every notice has settled', async () => {
      clock.set(new Date('2026-11-20T00:00:00Z'));
      await upsertUsers(
        h.db.sql,
        Array.from({ length: 30 }, (_, i) => ({
          external_id: `n-${i}`,
          email: `n${i}@example.com`,
          locale: 'en',
          country: 'DE',
          account_status: 'active' as const,
          data_categories: ['contact'],
          systems: [],
          created_at: '2024-01-01T00:00:00Z',
          updated_at: '2024-01-01T00:00:00Z',
        })),
        null,
        clock.now(),
      );
      const { id, version } = await json<{ id: string; version: number }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...incidentBody, title: 'Notified by email' } }));
      // A time typed by hand counts until deliveries exist.
      await h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { individuals_notified_at: '2026-11-19T12:00:00Z' }, headers: { 'if-match': `"${version}"` } });
      const read = async () => json<{ individuals_notified: { at: string | null; source: string; detail: string }; obligations: { key: string; stages: { filed_at: string | null }[] }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`, { as: 'viewer' }));
      expect((await read()).individuals_notified).toMatchObject({ at: '2026-11-19T12:00:00.000Z', source: 'recorded' });

      await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], regions: ['DE'] } });
      expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
      await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
      await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
      expect((await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' })).status).toBe(201);

      const pending = await read();
      expect(pending.individuals_notified.source).toBe('deliveries');
      expect(pending.individuals_notified.at).toBeNull();
      expect(pending.individuals_notified.detail).toMatch(/30 notice\(s\) queued or sending/);

      clock.set(new Date('2026-11-20T01:00:00Z'));
      await dispatchOnce({
        db: h.db.sql,
        renderer: testRenderer(),
        providers: { email: sendgridSdkProvider({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url }), sms: captureProvider('sms', createLogger('silent')), voice: captureProvider('voice', createLogger('silent')), inapp: captureProvider('inapp', createLogger('silent')) },
        clock,
        logger: createLogger('silent'),
        owner: 'anchor-test',
        batchSize: 100,
        leaseMs: 60_000,
        backoff: { baseMs: 1000, maxMs: 10_000, maxAttempts: 5 },
        unknownGraceMs: 0,
        unknownOutcome: 'resend',
        publicNoticeUrl: `${base}/status`,
        buckets: {},
      });
      const done = await read();
      expect(done.individuals_notified).toMatchObject({ at: '2026-11-20T01:00:00.000Z', source: 'deliveries' });
      expect(done.individuals_notified.detail).toMatch(/30 notice\(s\) accepted.*2026-11-19T12:00:00.000Z is not used/);
      // The GDPR duty to tell people counts the ledger's time as the notice.
      expect(done.obligations.find((o) => o.key === 'eu-gdpr-34')?.stages[0]?.filed_at).toBe('2026-11-20T01:00:00.000Z');
    });
  });
}
