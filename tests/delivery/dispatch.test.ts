import { expect, it } from 'vitest';
import { dispatchOnce } from '../../src/delivery/dispatch.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, testRenderer, type Harness } from '../helpers/harness.js';
import { claimDeliveries } from '../../src/delivery/ledger.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const people: DirectoryUser[] = [
  { external_id: 'd-email', email: 'd1@example.com', phone: '+8613800000001', locale: 'zh-CN' },
  { external_id: 'd-sms', phone: '+8613800000002', locale: 'zh-CN' },
  { external_id: 'd-none', locale: 'en' },
].map((p) => ({ ...p, name: p.external_id, country: 'CN', subdivision: null, account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' }));

describeEachDatabase('delivery in capture mode', (harness) => {
  it('refuses to send before approval, then records every notice as captured and checks the invariant', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, people, null, new Date());
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], include_ids: people.map((p) => p.external_id) } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });

    const early = await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
    expect(early.status).toBe(409);
    await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
    const started = await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
    expect(started.status).toBe(201);
    expect(await json(started)).toMatchObject({ announcement_only: 1, announcement: { required: true, reasons: ['1 affected people have no individual channel that can still reach them (1 with no usable contact, 0 after every channel failed)'] } });

    const logs: string[] = [];
    const logger = createLogger('info', (l) => logs.push(l));
    const tally = await dispatchOnce({
      db: h.db.sql,
      renderer: testRenderer(),
      providers: { email: captureProvider('email', logger), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
      clock: systemClock,
      logger,
      owner: 'test',
      batchSize: 100,
      leaseMs: 60_000,
      backoff: defaultBackoff,
      unknownGraceMs: 0,
      unknownOutcome: 'resend',
      publicNoticeUrl: 'https://example.com/status',
      buckets: {},
    });
    expect(tally).toMatchObject({ claimed: 2, captured: 2, accepted: 0 });
    const rows = await h.db.sql<{ external_id: string; channel: string; state: string; content_hash: string; locale: string }[]>`
      select external_id, channel, state, content_hash, locale from deliveries order by external_id`;
    // The language actually used is recorded with the proof.
    expect(rows.map((r) => [r.external_id, r.channel, r.state, r.locale])).toEqual([
      ['d-email', 'email', 'captured', 'zh-CN'],
      ['d-sms', 'sms', 'captured', 'zh-CN'],
    ]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.content_hash))).toBe(true);
    // Progress: counts, pace and ETA, also as a server-sent event stream that ends when the run is done.
    const progress = await json<{ data: { remaining: number; rate_per_second: number; eta_seconds: number; counts: { state: string; n: number }[] }[] }>(
      await h.request('GET', `/v1/incidents/${id}/deliveries`, { as: 'viewer' }),
    );
    expect(progress.data[0]).toMatchObject({ remaining: 0, eta_seconds: 0, rate_per_second: expect.any(Number) });
    expect(progress.data[0]!.counts).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'captured', n: 1 })]));
    const stream = await h.request('GET', `/v1/incidents/${id}/deliveries/stream`, { as: 'viewer' });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = await stream.text();
    expect(events).toMatch(/^event: progress\ndata: \{"data":\[/m);
    // Nothing personal in the log.
    expect(logs.join('\n')).not.toMatch(/d1@example\.com|8613800000/);

    // One person can only be reached by the announcement: not covered until it is published.
    let check = await json<{ ok: boolean; uncovered: number; reached: number }>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(check).toMatchObject({ ok: false, uncovered: 1, reached: 2 });
    // Nor can the incident move to monitoring while the required announcement is unpublished.
    let version = 1;
    for (const status of ['assessing', 'contained', 'notifying']) {
      const res = await h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { status }, headers: { 'if-match': `"${version}"` } });
      version = (await json<{ version: number }>(res)).version;
    }
    const blocked = await h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { status: 'monitoring' }, headers: { 'if-match': `"${version}"` } });
    expect(blocked.status).toBe(409);
    expect((await json<{ detail: string }>(blocked)).detail).toContain('public announcement is required');
    await h.request('POST', `/v1/incidents/${id}/announcement`, { as: 'responder', json: {} });
    await h.request('POST', `/v1/incidents/${id}/announcement/publish`, { as: 'responder' });
    check = await json(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(check).toMatchObject({ ok: true, uncovered: 0 });
    const moved = await h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { status: 'monitoring' }, headers: { 'if-match': `"${version}"` } });
    expect(moved.status).toBe(200);

    // Planning again adds nothing.
    const again = await json<{ planned: number }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    expect(again.planned).toBe(2);
    expect((await h.db.sql`select count(*)::int as n from deliveries`)[0]!.n).toBe(2);
  });

  it('pauses, resumes and cancels a run: a paused run is not claimed, a cancelled one drops its queue', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, people.map((p) => ({ ...p, external_id: `pr-${p.external_id}` })), null, new Date());
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: people.map((p) => `pr-${p.external_id}`) } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
    await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
    const run = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    const claim = () => ledgerClaim(h, run.id);
    expect((await h.request('POST', `/v1/incidents/${id}/deliveries/${run.id}/pause`, { as: 'responder' })).status).toBe(200);
    expect(await claim()).toBe(0);
    expect((await h.request('POST', `/v1/incidents/${id}/deliveries/${run.id}/pause`, { as: 'responder' })).status).toBe(409);
    expect((await h.request('POST', `/v1/incidents/${id}/deliveries/${run.id}/resume`, { as: 'responder' })).status).toBe(200);
    expect((await h.request('POST', `/v1/incidents/${id}/deliveries/${run.id}/cancel`, { as: 'responder' })).status).toBe(200);
    expect(await claim()).toBe(0);
    const runs = await json<{ data: { id: string; status: string; counts: { state: string; n: number }[] }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
    const mine = runs.data.find((r) => r.id === run.id)!;
    expect(mine.status).toBe('cancelled');
    expect(mine.counts.every((c) => c.state === 'cancelled')).toBe(true);
    const timeline = await json<{ events: { type: string }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    expect(timeline.events.map((e) => e.type)).toEqual(expect.arrayContaining(['delivery.paused', 'delivery.resumed', 'delivery.cancelled']));
  });
});

async function ledgerClaim(h: Harness, runId: string): Promise<number> {
  return (await claimDeliveries(h.db.sql, { owner: 'test', limit: 100, leaseMs: 60_000, now: new Date(), runId })).length;
}
