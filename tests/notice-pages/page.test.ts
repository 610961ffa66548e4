// The notice page behind each person's link: 128-bit tokens stored as hashes, the notice in the person's
// language and nothing else, never indexed, `viewed` recorded beside the delivery state, rate-limited per client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchDeps } from '../../src/delivery/setup.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { newNoticePageToken, noticePageTokenHash } from '../../src/notice-pages/link.js';
import { noticeLinkFor } from '../../src/notice-pages/service.js';
import { startFakeAppBackend, type FakeAppBackend } from '../fakes/inapp.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { dbModes } from '../helpers/db.js';
import { directoryUser, drainLedger, plannedRun } from '../helpers/delivery-flow.js';
import { createHarness, json, testRenderer, type Harness } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const base = 'https://breachkit.example';

describe('notice-page tokens', () => {
  it('are 22 base64url characters carrying 128 random bits, and only their hash is kept', () => {
    const tokens = Array.from({ length: 4000 }, newNoticePageToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const bytes = tokens.map((t) => Buffer.from(t, 'base64url'));
    for (const b of bytes) expect(b).toHaveLength(16);
    // Every one of the 128 bit positions is set in about half the tokens (4000 draws: 50% ± 5% is > 6 sigma).
    for (let bit = 0; bit < 128; bit++) {
      const ones = bytes.filter((b) => (b[bit >> 3]! >> (bit & 7)) & 1).length;
      expect(ones / bytes.length, `bit ${bit}`).toBeGreaterThan(0.45);
      expect(ones / bytes.length, `bit ${bit}`).toBeLessThan(0.55);
    }
    expect(noticePageTokenHash(tokens[0]!)).toMatch(/^[0-9a-f]{64}$/);
    expect(noticePageTokenHash(tokens[0]!)).not.toContain(tokens[0]);
  });
});

for (const mode of dbModes) {
  describe(`the notice page [${mode}]`, () => {
    let h: Harness;
    let app: FakeAppBackend;
    let tw: FakeTwilio;
    /** Each person's link, as it reached them (SMS body, in-app payload). */
    const links = new Map<string, string>();

    beforeAll(async () => {
      app = await startFakeAppBackend();
      tw = await startFakeTwilio({ callbackTarget: (request) => h.app.fetch(request) });
      h = await createHarness(mode, {
        env: {
          PUBLIC_BASE_URL: base,
          INAPP_WEBHOOK_URL: app.url,
          INAPP_WEBHOOK_SECRET: app.secret,
          TWILIO_ACCOUNT_SID: tw.accountSid,
          TWILIO_AUTH_TOKEN: tw.authToken,
          TWILIO_FROM: '+15005550006',
          TWILIO_API_URL: tw.url,
          DELIVERY_CHANNEL_ORDER: 'sms,inapp,email',
          NOTICE_PAGE_RATE_PER_MINUTE: '5',
          CLIENT_IP_HEADER: 'x-forwarded-for',
        },
      });
      await plannedRun(h, [
        directoryUser('p-sms', { name: 'Erika Mustermann', phone: '+4915112345678', email: 'erika@example.com' }),
        directoryUser('p-zh', { name: '王小明', locale: 'zh-CN', email: 'wang@example.com' }),
        directoryUser('p-child', { name: 'Kid', birth_date: '2019-05-01', guardian_name: 'Guardian Person', guardian_phone: '+4915112345679' }),
      ]);
      const clock = fixedClock(new Date());
      await drainLedger(h, dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'page-test' }), clock);
      const linkIn = (text: string) => new RegExp(`${base}/n/[A-Za-z0-9_-]{22}`).exec(text)?.[0];
      for (const m of tw.messages) links.set(m.resource.to === '+4915112345678' ? 'p-sms' : 'p-child', linkIn(m.resource.body)!);
      for (const r of app.received) links.set(r.payload.data.external_id, r.payload.data.notice_url!);
    }, 120_000);
    afterAll(async () => {
      await app.close();
      await tw.close();
      await h.db.close();
    });

    let client = 0;
    /** Each call from a client address of its own, unless one is given. */
    const open = (link: string, ip = `198.51.100.${++client}`) => h.app.request(new URL(link).pathname, { headers: { 'x-forwarded-for': ip } });

    it('reaches each person in their SMS and in-app notice, and no token is stored as it is', async () => {
      expect([...links.keys()].sort()).toEqual(['p-child', 'p-sms', 'p-zh']);
      const stored = await h.db.sql<{ token_hash: string }[]>`select token_hash from notice_links`;
      expect(stored).toHaveLength(3);
      for (const link of links.values()) {
        const token = link.slice(-22);
        expect(stored.map((s) => s.token_hash)).toContain(noticePageTokenHash(token));
        expect(JSON.stringify(stored)).not.toContain(token);
      }
    });

    it('shows the notice in the person’s language, never indexed, with a strict CSP, and nothing about them', async () => {
      const en = await open(links.get('p-sms')!);
      expect(en.status).toBe(200);
      expect(en.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(en.headers.get('content-language')).toBe('en');
      expect(en.headers.get('x-robots-tag')).toBe('noindex, nofollow, noarchive');
      expect(en.headers.get('x-content-type-options')).toBe('nosniff');
      expect(en.headers.get('referrer-policy')).toBe('no-referrer');
      expect(en.headers.get('cache-control')).toBe('no-store');
      const csp = en.headers.get('content-security-policy')!;
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
      const html = await en.text();
      expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
      const c = sampleNoticeContent();
      expect(html).toContain('<h1>Your order details were exposed</h1>');
      for (const text of [c.locales.en.measures, c.locales.en.self_protection, c.locales.en.remedies]) expect(html).toContain(text);
      expect(html).toContain(c.contact.email);
      for (const personal of ['Erika', 'Mustermann', '+4915112345678', 'erika@example.com', 'p-sms']) expect(html).not.toContain(personal);
      // The stylesheet is the one the CSP names.
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
      const { createHash } = await import('node:crypto');
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);

      const zh = await open(links.get('p-zh')!);
      expect(zh.headers.get('content-language')).toBe('zh-CN');
      const zhHtml = await zh.text();
      expect(zhHtml).toContain('<html lang="zh-CN">');
      expect(zhHtml).toContain('<h1>您的订单信息曾被泄露</h1>');
      expect(zhHtml).toContain(sampleNoticeContent().locales['zh-CN'].remedies);
      for (const personal of ['王小明', 'wang@example.com']) expect(zhHtml).not.toContain(personal);

      const child = await (await open(links.get('p-child')!)).text();
      expect(child).toContain('parent or guardian');
      for (const personal of ['Kid', 'Guardian Person', '+4915112345679']) expect(child).not.toContain(personal);
    });

    it('records the first view on the delivery beside its state, and counts every open', async () => {
      const viewed = () => h.db.sql<{ channel: string; state: string; viewed_at: Date | null; views: number; first_viewed_at: Date | null }[]>`
        select d.channel, d.state, d.viewed_at, l.views, l.first_viewed_at from notice_links l join deliveries d on d.id = l.delivery_id where d.external_id = 'p-zh'`;
      const [before] = await viewed();
      const beforeViews = before!.views;
      await open(links.get('p-zh')!);
      const [first] = await viewed();
      expect(first).toMatchObject({ channel: 'inapp', state: 'accepted', views: beforeViews + 1 });
      expect(first!.viewed_at).toBeInstanceOf(Date);
      await new Promise((r) => setTimeout(r, 20));
      await open(links.get('p-zh')!);
      // A HEAD (a link checker) gets the headers and records nothing.
      const head = await h.app.request(new URL(links.get('p-zh')!).pathname, { method: 'HEAD', headers: { 'x-forwarded-for': '198.51.100.250' } });
      expect(head.status).toBe(200);
      expect(head.headers.get('x-robots-tag')).toBe('noindex, nofollow, noarchive');
      const [second] = await viewed();
      expect(second!.views).toBe(beforeViews + 2);
      expect(second!.viewed_at!.getTime()).toBe(first!.viewed_at!.getTime());
      expect(second!.first_viewed_at!.getTime()).toBe(first!.first_viewed_at!.getTime());
      // A view never touches the state: the delivered SMS stays delivered after its page is opened.
      await tw.completeAll();
      await open(links.get('p-sms')!);
      const [sms] = await h.db.sql<{ state: string; viewed_at: Date | null }[]>`select state, viewed_at from deliveries where external_id = 'p-sms'`;
      expect(sms).toMatchObject({ state: 'delivered' });
      expect(sms!.viewed_at).toBeInstanceOf(Date);
    });

    it('answers an unknown or malformed token with a bare 404 page', async () => {
      for (const path of [`/n/${newNoticePageToken()}`, '/n/short', `/n/${'a'.repeat(22)}`, `/n/${links.get('p-sms')!.slice(-22, -1)}`]) {
        const res = await h.app.request(path, { headers: { 'x-forwarded-for': `203.0.113.${++client}` } });
        expect(res.status, path).toBe(404);
        expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow, noarchive');
        const body = await res.text();
        expect(body).toContain('Not found');
        expect(body).not.toMatch(/token|delivery|incident/i);
      }
    });

    it('limits each client to the configured rate, with a 429 problem', async () => {
      const link = links.get('p-sms')!;
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push((await open(link, '192.0.2.77')).status);
      expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await open(`${base}/n/${newNoticePageToken()}`, '192.0.2.77');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await json(limited)).toMatchObject({ status: 429, code: 'too_many_requests', title: 'Too many requests' });
      // Another client is not held back.
      expect((await open(link, '192.0.2.78')).status).toBe(200);
    });

    it('gives a link for any delivery (letters use it) that opens the same person’s page', async () => {
      const [row] = await h.db.sql<{ id: string }[]>`select id::text from deliveries where external_id = 'p-zh'`;
      const link = await noticeLinkFor(h.db.sql, row!.id, base, new Date());
      expect(link).toMatch(new RegExp(`^${base}/n/[A-Za-z0-9_-]{22}$`));
      expect(link).not.toBe(links.get('p-zh'));
      const res = await open(link);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('您的订单信息曾被泄露');
    });
  });
}
