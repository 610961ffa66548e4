// In-app notices: Standard Webhooks to the company's app back end (a strict fake that verifies with the
// `standardwebhooks` package), retried on 5xx, timeouts and 429, and a refusal sending the person to their next channel.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { inappMessageId, inappProvider } from '../../src/delivery/providers/inapp.js';
import { dispatchDeps } from '../../src/delivery/setup.js';
import type { OutgoingMessage } from '../../src/delivery/providers/types.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { newWebhookSecret, startFakeAppBackend, type FakeAppBackend, type FakeAppOptions } from '../fakes/inapp.js';
import { dbModes } from '../helpers/db.js';
import { directoryUser, drainLedger, ledgerRows, plannedRun } from '../helpers/delivery-flow.js';
import { createHarness, testRenderer, type Harness } from '../helpers/harness.js';

const base = 'https://breachkit.example';
let app: FakeAppBackend;

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  deliveryId: '42',
  channel: 'inapp',
  to: 'user-42',
  noticeUrl: `${base}/n/AbcdefghijklmnopqrstuV`,
  contentHash: 'c'.repeat(64),
  rendered: { channel: 'inapp', locale: 'zh-CN', subject: '安全通知：您的订单信息曾被泄露', text: '您好：我们发生了一起涉及您个人信息的安全事件。' },
  ...over,
});

describe('the in-app provider against the app back end', () => {
  beforeEach(async () => {
    app = await startFakeAppBackend();
  });
  afterEach(() => app.close());

  it('signs each notice as a Standard Webhook that the package’s own verifier accepts', async () => {
    const provider = inappProvider({ url: app.url, secret: app.secret });
    expect(await provider.send([message()])).toEqual([{ deliveryId: '42', outcome: 'accepted', providerId: inappMessageId('42') }]);
    expect(app.received).toHaveLength(1);
    const got = app.received[0]!;
    // Verified again here, from the raw bytes and headers the fake kept, with the package's verifier.
    const verified = new Webhook(app.secret).verify(got.rawBody, got.headers) as typeof got.payload;
    expect(verified.data).toEqual({
      delivery_id: '42',
      external_id: 'user-42',
      locale: 'zh-CN',
      title: '安全通知：您的订单信息曾被泄露',
      body: '您好：我们发生了一起涉及您个人信息的安全事件。',
      notice_url: `${base}/n/AbcdefghijklmnopqrstuV`,
      content_hash: 'c'.repeat(64),
    });
    expect(got.headers['webhook-id']).toBe(inappMessageId('42'));
    expect(Number(got.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // A changed byte, or another secret, fails the same verifier.
    expect(() => new Webhook(app.secret).verify(got.rawBody.replace('user-42', 'user-43'), got.headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(got.rawBody, got.headers)).toThrow();
  });

  it('maps the answers: a wrong secret is refused (4xx: permanent), 5xx and timeouts are transient, 429 gives Retry-After', async () => {
    const forged = inappProvider({ url: app.url, secret: newWebhookSecret() });
    expect(await forged.send([message()])).toEqual([{ deliveryId: '42', outcome: 'permanent', errorCode: 'inapp_http_401' }]);
    expect(app.stats.unverified).toBe(1);
    expect(app.received).toHaveLength(0);

    const provider = inappProvider({ url: app.url, secret: app.secret, timeoutMs: 300 });
    app.faults.script({ kind: 'server-error', status: 503 }, { kind: 'timeout' }, { kind: 'rate-limit', retryAfterSeconds: 7 }, { kind: 'reset' });
    expect(await provider.send([message()])).toEqual([{ deliveryId: '42', outcome: 'transient', errorCode: 'inapp_http_503' }]);
    expect(await provider.send([message()])).toEqual([{ deliveryId: '42', outcome: 'transient', errorCode: 'inapp_timeout' }]);
    expect(await provider.send([message()])).toEqual([{ deliveryId: '42', outcome: 'rate_limited', retryAfterMs: 7000 }]);
    expect(await provider.send([message()])).toEqual([{ deliveryId: '42', outcome: 'transient', errorCode: 'inapp_network' }]);
    expect(app.received).toHaveLength(0);
  });
});

for (const mode of dbModes) {
  describe(`in-app notices through the ledger [${mode}]`, () => {
    let h: Harness;
    const start = async (options: FakeAppOptions, order: string) => {
      app = await startFakeAppBackend(options);
      h = await createHarness(mode, { env: { PUBLIC_BASE_URL: base, INAPP_WEBHOOK_URL: app.url, INAPP_WEBHOOK_SECRET: app.secret, DELIVERY_CHANNEL_ORDER: order } });
    };
    /** The worker's own dependencies from the configuration (the provider selection every channel goes through). */
    const workerDeps = (clock: ReturnType<typeof fixedClock>) => {
      const d = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'inapp-test' });
      return { ...d, backoff: { baseMs: 1000, maxMs: 30_000, maxAttempts: 5 }, providers: { ...d.providers, inapp: inappProvider({ url: app.url, secret: app.secret, timeoutMs: 300 }) } };
    };
    afterEach(async () => {
      await app.close();
      await h.db.close();
    });

    it('sends in-app first where the order says so; a 4xx sends that person to their next channel', async () => {
      await start({ answers: { 'u-closed': 410 }, knownUsers: ['u-app', 'u-closed', 'u-zh'] }, 'inapp,email,sms');
      const { run } = await plannedRun(h, [
        directoryUser('u-app', { email: 'app@example.com' }),
        directoryUser('u-closed', { email: 'closed@example.com' }),
        directoryUser('u-unknown', { phone: '+4915112345670' }),
        directoryUser('u-zh', { locale: 'zh-CN', phone: '+8613800000001' }),
        // A deleted account has no app to show a notice in: straight to email.
        directoryUser('u-deleted', { email: 'gone@example.com', account_status: 'deleted', deleted_at: '2025-01-01T00:00:00Z' }),
      ]);
      expect(run).toMatchObject({ channel_order: ['inapp', 'email', 'sms'], inapp: 'in_order', planned: 5, announcement_only: 0 });
      const clock = fixedClock(new Date());
      // The worker's provider selection picks the in-app provider from INAPP_WEBHOOK_URL / _SECRET.
      expect(dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'x' }).providers.inapp).toMatchObject({ name: 'inapp', capture: false });
      await drainLedger(h, workerDeps(clock), clock);

      const rows = await ledgerRows(h);
      expect(rows.map((r) => `${r.external_id}/${r.channel}/${r.state}/${r.error_code ?? ''}`)).toEqual([
        'u-app/inapp/accepted/',
        'u-closed/inapp/undeliverable/inapp_http_410',
        'u-closed/email/captured/',
        'u-deleted/email/captured/',
        'u-unknown/inapp/undeliverable/inapp_http_404',
        'u-unknown/sms/captured/',
        'u-zh/inapp/accepted/',
      ]);
      // Each accepted notice reached the app once, in the person's language, with their own page link.
      expect(app.received.map((r) => r.payload.data.external_id).sort()).toEqual(['u-app', 'u-zh']);
      const zh = app.received.find((r) => r.payload.data.external_id === 'u-zh')!.payload.data;
      expect(zh.locale).toBe('zh-CN');
      expect(zh.title).toContain('您的订单信息曾被泄露');
      expect(zh.body).toContain(zh.notice_url);
      expect(zh.notice_url).toMatch(new RegExp(`^${base}/n/[A-Za-z0-9_-]{22}$`));
      for (const r of app.received) expect(new Webhook(app.secret).verify(r.rawBody, r.headers)).toEqual(r.payload);

      const check = await (await h.request('GET', `/v1/incidents/${run.incident_id as string}/deliveries/check`, { as: 'responder' })).json();
      expect(check).toMatchObject({ people: 5, reached: 5, uncovered: 0, in_flight: 0 });
    });

    it('retries on 5xx and timeouts with back-off, gives a 429 its attempt back, and the app shows the notice once', async () => {
      await start({}, 'inapp,email');
      await plannedRun(h, [directoryUser('u-retry', { email: 'retry@example.com' })]);
      app.faults.script({ kind: 'server-error', status: 500, accepted: true }, { kind: 'timeout' }, { kind: 'rate-limit', retryAfterSeconds: 2 }, { kind: 'server-error', status: 502 });
      const clock = fixedClock(new Date());
      const passes = await drainLedger(h, workerDeps(clock), clock);
      expect(passes).toBe(5);
      const [row] = await ledgerRows(h);
      // Five requests, one of them a 429 that did not count.
      expect(row).toMatchObject({ channel: 'inapp', state: 'accepted', attempts: 4, provider_id: inappMessageId(String((await h.db.sql<{ id: string }[]>`select id::text from deliveries`)[0]!.id)) });
      expect(app.attempts).toHaveLength(5);
      expect(new Set(app.attempts).size).toBe(1);
      // The first 500 came after the app had stored it: the same webhook-id let it drop the three repeats that reached it.
      expect(app.received).toHaveLength(1);
      expect(app.stats.repeats).toBe(3);
    });

    it('gives up after the last retry and moves to the next channel', async () => {
      await start({ faults: { serverError: 1 } }, 'inapp,email');
      await plannedRun(h, [directoryUser('u-down', { email: 'down@example.com' })]);
      const clock = fixedClock(new Date());
      await drainLedger(h, workerDeps(clock), clock);
      expect((await ledgerRows(h)).map((r) => `${r.channel}/${r.state}/${r.attempts}/${r.error_code ?? ''}`)).toEqual([
        'inapp/failed/5/retries_exhausted:inapp_http_500',
        'email/captured/1/',
      ]);
    });

    it('in addition to the first channel when the notice says so: a failed in-app notice changes nobody’s chain', async () => {
      await start({ answers: { 'u-closed': 404 } }, 'email,sms,inapp');
      const { run } = await plannedRun(
        h,
        [
          directoryUser('u-both', { email: 'both@example.com' }),
          directoryUser('u-closed', { phone: '+4915112345671' }),
          directoryUser('u-app-only'),
          directoryUser('u-minor', { birth_date: '2020-01-01', guardian_name: 'Parent', guardian_email: 'parent@example.com' }),
        ],
        'additional',
      );
      expect(run).toMatchObject({ inapp: 'additional', planned: 4, announcement_only: 0 });
      const clock = fixedClock(new Date());
      await drainLedger(h, workerDeps(clock), clock);
      expect((await ledgerRows(h)).map((r) => `${r.external_id}/${r.channel}/${r.state}`)).toEqual([
        // rank 0: the in-app row sits outside the chain
        'u-app-only/inapp/accepted',
        'u-both/inapp/accepted',
        'u-both/email/captured',
        'u-closed/inapp/undeliverable',
        'u-closed/sms/captured',
        // the guardian is told by email; the child's account gets nothing
        'u-minor/email/captured',
      ]);
      const check = await (await h.request('GET', `/v1/incidents/${run.incident_id as string}/deliveries/check`, { as: 'responder' })).json();
      expect(check).toMatchObject({ people: 4, reached: 4, uncovered: 0 });
    });
  });
}
