import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendgridProvider, type SendgridSettings } from '../../src/delivery/providers/sendgrid.js';
import { planMailRequests } from '../../src/delivery/providers/email-batch.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import { sendgridFetchTransport } from '../../src/delivery/providers/sendgrid-fetch.js';
import { sayTwiml, twilioProvider, type TwilioSettings } from '../../src/delivery/providers/twilio.js';
import { twilioSdkProvider } from '../../src/delivery/providers/twilio-sdk.js';
import { twilioFetchTransport } from '../../src/delivery/providers/twilio-fetch.js';
import type { OutgoingMessage } from '../../src/delivery/providers/types.js';
import { newNoticePageToken, noticePageUrl } from '../../src/notice-pages/link.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';

const email = (id: number, to: string, hash = 'h1'): OutgoingMessage => ({
  deliveryId: String(id),
  channel: 'email',
  to,
  contentHash: hash,
  rendered: { channel: 'email', locale: 'en', subject: 'Security notice', html: '<p>Notice</p>', text: 'Notice' },
});
const sms = (id: number, to: string): OutgoingMessage => ({
  deliveryId: String(id),
  channel: 'sms',
  to,
  contentHash: 'h',
  rendered: { channel: 'sms', locale: 'zh-CN', text: '【安全通知】订单信息曾被泄露。详情：https://example.com/status' },
});

describe.each(['sdk', 'fetch'] as const)('through the %s transport', (transport) => {
  // The same provider logic over the SDKs' own clients (Node) and over fetch (Workers).
  const sendgridVia = (s: SendgridSettings) => (transport === 'sdk' ? sendgridSdkProvider(s) : sendgridProvider(s, sendgridFetchTransport(s)));
  const twilioVia = (channel: 'sms' | 'voice', s: TwilioSettings) => (transport === 'sdk' ? twilioSdkProvider(channel, s) : twilioProvider(channel, s, twilioFetchTransport(s)));

  describe('SendGrid provider against the fake', () => {
    let fake: FakeSendgrid;
    beforeAll(async () => {
      fake = await startFakeSendgrid({});
    });
    afterAll(() => fake.close());

    it('sends up to 1000 personalizations per request, each carrying its delivery id and nothing personal', async () => {
      const provider = sendgridVia({ apiKey: fake.apiKey, from: 'notices@example.com', baseUrl: fake.url });
      const messages = Array.from({ length: 1500 }, (_, i) => email(i + 1, `p${i}@example.com`));
      const outcomes = await provider.send(messages);
      expect(outcomes.every((o) => o.outcome === 'accepted')).toBe(true);
      expect(fake.mails).toHaveLength(2);
      expect(fake.recipientsFor('1')).toHaveLength(1);
      expect(fake.recipients.every((r) => Object.keys(r.customArgs).join() === 'delivery_id')).toBe(true);
      const ids = new Set(outcomes.map((o) => (o.outcome === 'accepted' ? o.providerId : null)));
      expect(ids.size).toBe(2);
    });

    it('writes the call script as TwiML without the SDK, escaping what XML would read as markup', () => {
      expect(sayTwiml('Fish & <chips> "now"', { language: 'en-US', voice: 'Polly.Joanna' })).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US" voice="Polly.Joanna">Fish &amp; &lt;chips&gt; &quot;now&quot;</Say></Response>',
      );
    });

    it('puts a repeated address in its own request instead of failing the batch', () => {
      const batches = planMailRequests([email(1, 'same@example.com'), email(2, 'SAME@example.com'), email(3, 'other@example.com'), email(4, 'x@example.com', 'h2')], { from: 'notices@example.com' }).map((r) => r.messages);
      expect(batches.map((b) => b.map((m) => m.deliveryId))).toEqual([['1', '3'], ['2'], ['4']]);
    });

    it('isolates a bad address by splitting the refused request, and backs off on 429 without losing anyone', async () => {
      const provider = sendgridVia({ apiKey: fake.apiKey, from: 'notices@example.com', baseUrl: fake.url });
      const outcomes = await provider.send([email(11, 'ok1@example.com'), email(12, 'not an address'), email(13, 'ok2@example.com'), email(14, 'ok3@example.com')]);
      expect(outcomes.map((o) => [o.deliveryId, o.outcome]).sort()).toEqual([
        ['11', 'accepted'],
        ['12', 'permanent'],
        ['13', 'accepted'],
        ['14', 'accepted'],
      ]);
      fake.faults.script({ kind: 'rate-limit' });
      const limited = await provider.send([email(21, 'r@example.com')]);
      expect(limited[0]).toMatchObject({ outcome: 'rate_limited' });
      fake.faults.script({ kind: 'server-error' });
      expect((await provider.send([email(22, 's@example.com')]))[0]).toMatchObject({ outcome: 'transient', errorCode: 'sendgrid_500' });
    });
  });

  describe('Twilio provider against the fake', () => {
    let fake: FakeTwilio;
    beforeAll(async () => {
      fake = await startFakeTwilio({ numbers: { '+8613800001610': { createError: 21610 }, '+8613800001614': { createError: 21614 } } });
    });
    afterAll(() => fake.close());

    const settings = () => ({ accountSid: fake.accountSid, authToken: fake.authToken, from: '+15005550006', baseUrl: fake.url, statusCallbackUrl: 'https://breachkit.example/webhooks/twilio' });

    it('sends SMS with a status callback naming the delivery, and maps refusals to the next channel', async () => {
      const provider = twilioVia('sms', settings());
      const outcomes = await provider.send([sms(1, '+8613812345678'), sms(2, '+8613800001610'), sms(3, '+8613800001614')]);
      expect(outcomes[0]).toMatchObject({ outcome: 'accepted', providerId: expect.stringMatching(/^SM/) });
      expect(outcomes[1]).toMatchObject({ outcome: 'permanent', errorCode: 'twilio_21610' });
      expect(outcomes[2]).toMatchObject({ outcome: 'permanent', errorCode: 'twilio_21614' });
      const sent = fake.messages.find((m) => m.sid === (outcomes[0] as { providerId: string }).providerId)!;
      expect(sent.params.StatusCallback).toBe('https://breachkit.example/webhooks/twilio?delivery_id=1');
      fake.faults.script({ kind: 'rate-limit' });
      expect((await provider.send([sms(4, '+8613812345679')]))[0]).toMatchObject({ outcome: 'rate_limited' });
    });

    it('calls with the voice script read in the recipient language', async () => {
      const provider = twilioVia('voice', settings());
      const [outcome] = await provider.send([{ ...sms(5, '+8613812345670'), channel: 'voice', rendered: { channel: 'voice', locale: 'zh-CN', text: '您好，这是一则重要的安全通知。' } }]);
      expect(outcome).toMatchObject({ outcome: 'accepted', providerId: expect.stringMatching(/^CA/) });
      const call = fake.calls.at(-1)!;
      expect(call.params.Twiml).toContain('language="cmn-CN"');
      expect(call.params.Twiml).toContain('您好，这是一则重要的安全通知。');
    });
  });

  describe('lookups for interrupted sends', () => {
    const since = () => new Date(Date.now() - 60_000);
    const ask = (id: number, to: string, channel: 'email' | 'sms' = 'email', text: string | null = null) => ({ deliveryId: String(id), channel, to, since: since(), text });

    it('SendGrid: many delivery ids in one Email Activity query; a shared address is asked in a query of its own', async () => {
      const sg = await startFakeSendgrid({});
      try {
        const mail = sendgridVia({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url });
        await mail.send([email(501, 'found@example.com'), email(503, 'guardian@example.com')]);
        await mail.send([email(504, 'guardian@example.com')]);
        const answer = await mail.lookup!([ask(501, 'found@example.com'), ask(502, 'never@example.com'), ask(503, 'guardian@example.com'), ask(504, 'guardian@example.com'), ask(505, 'guardian@example.com')]);
        expect(answer.kind).toBe('answered');
        const found = answer.kind === 'answered' ? answer.found : new Map();
        expect([...found.keys()].sort()).toEqual(['501', '503', '504']);
        expect(found.get('503')).not.toEqual(found.get('504'));
        // The three rows for one address needed three queries; the rest went in the first.
        expect(sg.stats.activityRequests).toBe(3);
      } finally {
        await sg.close();
      }
    });

    it('SendGrid without the Email Activity add-on answers 404: "not available", not an error to retry; 429 beyond 6 a minute means later', async () => {
      const none = await startFakeSendgrid({ activity: 'none' });
      const limited = await startFakeSendgrid({ activityPerMinute: 2 });
      try {
        const mail = sendgridVia({ apiKey: none.apiKey, from: 'notices@example.com', baseUrl: none.url });
        expect(await mail.lookup!([ask(1, 'a@example.com')])).toMatchObject({ kind: 'unavailable', detail: expect.stringContaining('404') });
        const busy = sendgridVia({ apiKey: limited.apiKey, from: 'notices@example.com', baseUrl: limited.url });
        expect((await busy.lookup!([ask(1, 'a@example.com')])).kind).toBe('answered');
        expect((await busy.lookup!([ask(1, 'a@example.com')])).kind).toBe('answered');
        expect(await busy.lookup!([ask(1, 'a@example.com')])).toMatchObject({ kind: 'later', retryAfterMs: expect.any(Number) });
        expect(limited.stats.activityRateLimited).toBe(1);
      } finally {
        await none.close();
        await limited.close();
      }
    });

    it('Twilio: a message counts only with the same number AND the same text, each message for one notice (two people sharing a phone)', async () => {
      const tw = await startFakeTwilio({});
      try {
        const texts = twilioVia('sms', { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: 'https://breachkit.example/webhooks/twilio' });
        const shared = '+8613812340601';
        const first = { ...sms(601, shared), rendered: { channel: 'sms' as const, locale: 'en', text: 'Notice about Mia' } };
        const [sent] = await texts.send([first]);
        const answer = await texts.lookup!([ask(601, shared, 'sms', 'Notice about Mia'), ask(602, shared, 'sms', 'Notice about Leo'), ask(603, shared, 'sms', 'Notice about Mia')]);
        expect(answer).toEqual({ kind: 'answered', found: new Map([['601', (sent as { providerId: string }).providerId]]) });
        expect(await texts.lookup!([ask(604, shared, 'sms', null)])).toMatchObject({ kind: 'later' });
        // The person's own page link is stored only as a hash: the look-up asks with a stand-in of the same shape.
        const standIn = noticePageUrl('https://breachkit.example', newNoticePageToken());
        const linked = { ...sms(605, '+8613812340605'), rendered: { channel: 'sms' as const, locale: 'en', text: `Notice. Yours: ${noticePageUrl('https://breachkit.example', newNoticePageToken())} end` } };
        const [sentLinked] = await texts.send([linked]);
        const withLink = (id: number, text: string) => ({ ...ask(id, '+8613812340605', 'sms', text), pageLinkStandIn: standIn });
        expect(await texts.lookup!([withLink(605, `Notice. Yours: ${standIn} end`)])).toEqual({ kind: 'answered', found: new Map([['605', (sentLinked as { providerId: string }).providerId]]) });
        expect(await texts.lookup!([withLink(606, `Other notice. Yours: ${standIn} end`)])).toEqual({ kind: 'answered', found: new Map() });
        // Calls carry neither their script nor our id: no look-up is offered for them.
        expect(twilioVia('voice', { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: 'https://x.example/w' }).lookup).toBeUndefined();
      } finally {
        await tw.close();
      }
    });
  });
});
