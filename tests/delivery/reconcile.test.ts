import { afterEach, beforeEach, expect, it } from 'vitest';
import { reconcileExpired, type DispatchDeps } from '../../src/delivery/dispatch.js';
import * as ledger from '../../src/delivery/ledger.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { sendgridProvider } from '../../src/delivery/providers/sendgrid.js';
import { upsertUsers } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, testRenderer } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

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
    const email = sendgridProvider({ apiKey: sg.apiKey, from: 'notices@example.com', baseUrl: sg.url });
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
      publicNoticeUrl: 'https://example.com/status',
      buckets: {},
    };
    expect(await reconcileExpired(deps)).toEqual({ found: 1, requeued: 1, undecided: 0 });
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
    let answer: (v: { found: false }) => void = () => {};
    const slow = new Promise<{ found: false }>((resolve) => (answer = resolve));
    let asked = 0;
    const email = (lookup: () => Promise<{ found: false }>) => ({ ...captureProvider('email', createLogger('silent')), name: 'sendgrid', capture: false, lookup: () => (asked++, lookup()) });
    const logger = createLogger('silent');
    const deps = (owner: string, lookup: () => Promise<{ found: false }>): DispatchDeps => ({
      db: h.db.sql,
      renderer: testRenderer(),
      providers: { email: email(lookup), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
      clock: systemClock,
      logger,
      owner,
      batchSize: 10,
      leaseMs: 60_000,
      backoff: defaultBackoff,
      publicNoticeUrl: 'https://example.com/status',
      buckets: {},
    });
    const b = reconcileExpired(deps('reconciler-b', () => slow));
    while (asked === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await reconcileExpired(deps('reconciler-a', async () => ({ found: false })))).toEqual({ found: 0, requeued: 0, undecided: 0 });
    expect(await ledger.claimDeliveries(h.db.sql, { owner: 'worker-c', limit: 10, leaseMs: 60_000, now: new Date(), runId: run.id })).toEqual([]);
    answer({ found: false });
    expect(await b).toEqual({ found: 0, requeued: 1, undecided: 0 });
    expect(asked).toBe(1);
    // Now queued once, for exactly one worker to send.
    const again = await ledger.claimDeliveries(h.db.sql, { owner: 'worker-c', limit: 10, leaseMs: 60_000, now: new Date(), runId: run.id });
    expect(again.map((r) => r.id)).toEqual([row!.id]);
  });
});
