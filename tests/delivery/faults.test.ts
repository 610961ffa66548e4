import { afterEach, beforeEach, expect, it } from 'vitest';
import { dispatchOnce, type DispatchDeps } from '../../src/delivery/dispatch.js';
import { SharedTokenBucket } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import { twilioSdkProvider } from '../../src/delivery/providers/twilio-sdk.js';
import { upsertUsers } from '../../src/directory/store.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { createHarness, json, testRenderer, type Harness } from '../helpers/harness.js';
import { dbModes } from '../helpers/db.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const base = 'https://breachkit.example';
let sg: FakeSendgrid;
let tw: FakeTwilio;
let h: Harness;

beforeEach(async () => {
  sg = await startFakeSendgrid({});
  tw = await startFakeTwilio({ callbackTarget: (request) => h.app.fetch(request) });
});
afterEach(async () => {
  await sg.close();
  await tw.close();
  await h?.db.close();
});

async function planned(people: number): Promise<string> {
  await upsertUsers(
    h.db.sql,
    Array.from({ length: people }, (_, i) => ({
      external_id: `f-${i}`,
      email: i % 3 ? `f${i}@example.com` : null,
      phone: i % 3 ? null : `+86138${String(20_000_000 + i)}`,
      locale: i % 2 ? 'zh-CN' : 'en',
      country: 'CN',
      account_status: 'active' as const,
      data_categories: ['contact'],
      systems: [],
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
    })),
    null,
    new Date(),
  );
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } });
  await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
  await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
  await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
  await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
  return id;
}

/** Drains the ledger with the clock moved forward between passes, so back-off waits pass instantly. */
async function drain(deps: DispatchDeps, clock: ReturnType<typeof fixedClock>): Promise<void> {
  for (let pass = 0; pass < 200; pass++) {
    const [{ n }] = (await h.db.sql`select count(*)::int as n from deliveries where state in ('queued', 'sending')`) as unknown as [{ n: number }];
    if (n === 0) return;
    await dispatchOnce(deps);
    clock.advance(60_000);
  }
  throw new Error('the ledger did not drain');
}

/** Time the send-rate buckets made the senders wait, in simulated milliseconds. */
let pacedMs = 0;

function deps(clock: ReturnType<typeof fixedClock>): DispatchDeps {
  // The shared buckets of the real workers, in the database, on the test's clock: waiting moves it on.
  const bucket = (key: string) =>
    new SharedTokenBucket(h.db.sql, {
      key,
      rate: 100,
      now: () => clock.now(),
      sleep: async (ms) => {
        pacedMs += ms;
        clock.advance(ms);
      },
    });
  const settings = { accountSid: tw.accountSid, authToken: tw.authToken, from: '+15005550006', baseUrl: tw.url, statusCallbackUrl: `${base}/webhooks/twilio`, timeoutMs: 300 };
  return {
    db: h.db.sql,
    renderer: testRenderer(),
    providers: { email: sendgridSdkProvider({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url, timeoutMs: 300 }), sms: twilioSdkProvider('sms', settings), voice: twilioSdkProvider('voice', settings), inapp: captureProvider('inapp', createLogger('silent')) },
    clock,
    logger: createLogger('silent'),
    owner: 'fault-test',
    batchSize: 100,
    leaseMs: 120_000,
    backoff: { baseMs: 1000, maxMs: 30_000, maxAttempts: 12 },
    unknownGraceMs: 600_000,
    unknownOutcome: 'resend',
    publicNoticeUrl: `${base}/status`,
    buckets: { email: bucket('email'), sms: bucket('sms'), voice: bucket('voice') },
  };
}

for (const mode of dbModes) {
  it(`delivers every notice through 20% 429, 5% 500 and 2% timeouts [${mode}]`, async () => {
    h = await createHarness(mode, { env: { PUBLIC_BASE_URL: base, SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey, SENDGRID_API_KEY: sg.apiKey, SENDGRID_FROM: 'notices@example.com', TWILIO_ACCOUNT_SID: tw.accountSid, TWILIO_AUTH_TOKEN: tw.authToken, TWILIO_FROM: '+15005550006' } });
    await planned(300);
    for (const fake of [sg, tw]) fake.faults.setPolicy({ seed: 7, rateLimit: 0.2, serverError: 0.05, timeout: 0.02 });
    const clock = fixedClock(new Date());
    pacedMs = 0;
    await drain(deps(clock), clock);
    // The buckets start empty: the first sends waited for their tokens.
    expect(pacedMs).toBeGreaterThan(0);
    for (const fake of [sg, tw]) fake.faults.clear();
    // The providers report back through signed webhooks into the app.
    await sg.flushEvents((request) => h.app.fetch(new Request(`${base}/webhooks/sendgrid`, request)));
    await tw.completeAll();
    const states = await h.db.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from deliveries group by state`;
    expect(states).toEqual([{ state: 'delivered', n: 300 }]);
    // The mix really happened.
    for (const kind of ['rateLimit', 'serverError', 'timeout'] as const) expect(sg.faults.injected[kind] + tw.faults.injected[kind], kind).toBeGreaterThan(0);
  }, 120_000);

  it(`does not count a 429 as an attempt [${mode}]`, async () => {
    h = await createHarness(mode, { env: { PUBLIC_BASE_URL: base } });
    await planned(30);
    sg.faults.script(...Array.from({ length: 5 }, () => ({ kind: 'rate-limit' as const })));
    tw.faults.script(...Array.from({ length: 25 }, () => ({ kind: 'rate-limit' as const })));
    const clock = fixedClock(new Date());
    await drain(deps(clock), clock);
    const attempts = await h.db.sql<{ attempts: number }[]>`select distinct attempts from deliveries`;
    expect(attempts).toEqual([{ attempts: 1 }]);
  }, 60_000);
}
