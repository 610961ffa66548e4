// The fan-out with people greeted by name: few SendGrid requests, each person's own text and proof; a hanging request delays only its rows.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dispatchOnce, type DispatchDeps } from '../../src/delivery/dispatch.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { contentHashOfRendering } from '../../src/delivery/providers/email-batch.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import { twilioSdkProvider } from '../../src/delivery/providers/twilio-sdk.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { directoryUser, plannedRun } from '../helpers/delivery-flow.js';
import { describeEachDatabase, testRenderer, type Harness } from '../helpers/harness.js';

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

function deps(h: Harness, timeoutMs = 5_000): DispatchDeps {
  const logger = createLogger('silent');
  const twilio = twilioSdkProvider('sms', { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: `${base}/webhooks/twilio`, timeoutMs });
  return {
    db: h.db.sql,
    renderer: testRenderer(),
    providers: { email: sendgridSdkProvider({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url, timeoutMs }), sms: twilio, voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
    clock: systemClock,
    logger,
    owner: 'named-test',
    batchSize: 2000,
    leaseMs: 120_000,
    backoff: defaultBackoff,
    unknownGraceMs: 600_000,
    unknownOutcome: 'resend',
    publicNoticeUrl: `${base}/status`,
    noticePageBaseUrl: base,
    buckets: {},
  };
}

const names = ['Zoë Ångström', '王小明', 'محمد الأحمد', '🙂 Ana', '<script>x</script> & Co', 'Pay $& $1'];

describeEachDatabase('named recipients through the ledger', (harness) => {
  it('1,200 named people by email go in 2 requests; each gets their own greeting, and the ledger keeps the hash of exactly that', async () => {
    const h = harness();
    const users = Array.from({ length: 1200 }, (_, i) =>
      directoryUser(`n-${String(i).padStart(4, '0')}`, { name: i < names.length ? names[i]! : `Person ${i}`, email: `n${i}@example.com`, locale: i % 4 === 0 ? 'zh-CN' : 'en' }),
    );
    await plannedRun(h, users);
    const before = sg.stats.acceptedRequests;
    const tally = await dispatchOnce(deps(h));
    expect(tally).toMatchObject({ claimed: 1200, accepted: 1200 });
    // en: 900 people, zh-CN: 300: one request each.
    expect(sg.stats.acceptedRequests - before).toBe(2);
    const rows = await h.db.sql<{ id: string; external_id: string; content_hash: string; locale: string }[]>`select id::text as id, external_id, content_hash, locale from deliveries where channel = 'email'`;
    expect(rows).toHaveLength(1200);
    for (const row of rows) {
      const [got] = sg.recipientsFor(row.id);
      const i = Number(row.external_id.slice(2));
      const name = i < names.length ? names[i]! : `Person ${i}`;
      expect(got!.content.text).toContain(row.locale === 'en' ? `Dear ${name},` : name);
      const { subject, text, html } = got!.content;
      expect(contentHashOfRendering({ channel: 'email', locale: row.locale, subject, html, text })).toBe(row.content_hash);
    }
  }, 120_000);
});

describeEachDatabase('a slow provider request', (harness) => {
  it('a SendGrid request that hangs times out alone: only its rows go back to the queue, SMS and the other language are recorded', async () => {
    const h = harness();
    const users = [
      ...Array.from({ length: 6 }, (_, i) => directoryUser(`e-${i}`, { email: `e${i}@example.com`, locale: i < 3 ? 'en' : 'zh-CN' })),
      ...Array.from({ length: 4 }, (_, i) => directoryUser(`s-${i}`, { phone: `+86138000010${i}0` })),
    ];
    await plannedRun(h, users);
    sg.faults.script({ kind: 'timeout' });
    const t0 = performance.now();
    const tally = await dispatchOnce(deps(h, 800));
    const ms = performance.now() - t0;
    const rows = await h.db.sql<{ channel: string; state: string; locale: string; error_code: string | null }[]>`select channel, state, locale, error_code from deliveries order by channel, locale`;
    const email = rows.filter((r) => r.channel === 'email');
    const retried = email.filter((r) => r.state === 'queued');
    // One language's request hung: its three rows wait for a retry, the other three are accepted.
    expect(retried).toHaveLength(3);
    expect(new Set(retried.map((r) => r.locale)).size).toBe(1);
    expect(retried.every((r) => r.error_code === 'sendgrid_network')).toBe(true);
    expect(email.filter((r) => r.state === 'accepted')).toHaveLength(3);
    expect(rows.filter((r) => r.channel === 'sms').every((r) => r.state === 'accepted')).toBe(true);
    expect(tally).toMatchObject({ claimed: 10, accepted: 7, retried: 3 });
    // The pass waited for the one timeout, not for a sum of them.
    expect(ms).toBeLessThan(5_000);
  }, 60_000);
});
