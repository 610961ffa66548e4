// The console's delivery, announcement and filing pages over the same services as the API: starting a run, its controls and
// stream, the check, unknown outcomes settled by hand, the announcement drafted, previewed and published, a filing recorded;
// a viewer sees none of the write controls and the server refuses the writes anyway.
import { expect, it } from 'vitest';
import { describeEachDatabase, json, testRenderer, type Harness } from '../helpers/harness.js';
import { directoryUser, drainLedger } from '../helpers/delivery-flow.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { upsertUsers } from '../../src/directory/store.js';
import { reconcileExpired, type DispatchDeps } from '../../src/delivery/dispatch.js';
import * as ledger from '../../src/delivery/ledger.js';
import { defaultBackoff } from '../../src/delivery/pacing.js';
import { captureProvider } from '../../src/delivery/providers/capture.js';
import { createLogger } from '../../src/lib/logger.js';
import { fixedClock } from '../../src/lib/clock.js';
import { ConsoleClient, textOf } from './client.js';

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

/** Directory, incident, scope, snapshot and an approved notice, through the API: ready to send. */
async function approvedIncident(h: Harness, people: string[]): Promise<string> {
  await upsertUsers(h.db.sql, people.map((p) => directoryUser(p, { email: `${p}@example.com` })), null, new Date());
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  expect((await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: people } })).status).toBe(200);
  expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
  expect((await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } })).status).toBe(201);
  expect((await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' })).status).toBe(200);
  return id;
}

const captureDeps = (h: Harness, clock: DispatchDeps['clock']): DispatchDeps => {
  const logger = createLogger('silent');
  return {
    db: h.db.sql,
    renderer: testRenderer(),
    clock,
    logger,
    owner: 'console-test',
    batchSize: 50,
    leaseMs: 60_000,
    backoff: defaultBackoff,
    providers: { email: captureProvider('email', logger), sms: captureProvider('sms', logger), voice: captureProvider('voice', logger), inapp: captureProvider('inapp', logger) },
    unknownGraceMs: 0,
    unknownOutcome: 'hold',
    publicNoticeUrl: 'https://example.com/status',
    buckets: {},
  };
};

describeEachDatabase('console delivery, announcement and filings', (harness) => {
  it('starts a run from the page, pauses and resumes it, streams its progress to the end and shows the check', async () => {
    const h = harness();
    const people = ['cd-1', 'cd-2', 'cd-3'];
    const id = await approvedIncident(h, people);
    const responder = await signedIn(h, h.tokens.responder);
    const before = await (await responder.get(`/console/incidents/${id}/delivery`)).text();
    expect(textOf(before)).toContain('Nothing has been sent yet.');
    // No provider is configured here: every worker channel is in capture mode, and the page says so.
    expect(textOf(before)).toContain('Capture mode for Email, SMS, Voice call script, In-app notice');
    expect((await responder.get(`/console/incidents/${id}`)).status).toBe(200);
    expect(responder.lastHtml).toContain(`href="/console/incidents/${id}/delivery"`);

    await responder.get(`/console/incidents/${id}/delivery`);
    const started = await responder.post(`/console/incidents/${id}/delivery/start`);
    expect(started.status).toBe(303);
    const runs = await json<{ data: { id: string; status: string; planned: number }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
    expect(runs.data).toHaveLength(1);
    const run = runs.data[0]!;
    expect(run).toMatchObject({ status: 'running', planned: 3 });
    const page = await (await responder.get(started.headers.get('location')!)).text();
    expect(textOf(page)).toContain('The run is planned and sending.');
    expect(page).toContain(`data-run="${run.id}"`);
    expect(page).toContain(`data-stream="/console/incidents/${id}/delivery/stream"`);
    expect(textOf(page)).toContain('0 of 3 settled');
    expect(page).toContain(`action="/console/incidents/${id}/delivery/${run.id}/pause"`);

    expect((await responder.post(`/console/incidents/${id}/delivery/${run.id}/pause`)).status).toBe(303);
    expect((await json<{ data: { status: string }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`))).data[0]!.status).toBe('paused');
    const paused = await (await responder.get(`/console/incidents/${id}/delivery?done=pause`)).text();
    expect(paused).toContain(`/delivery/${run.id}/resume"`);
    expect(paused).not.toContain(`/delivery/${run.id}/pause"`);
    // Pausing twice is refused as the API refuses it, on the page.
    const again = await responder.post(`/console/incidents/${id}/delivery/${run.id}/pause`);
    expect(again.status).toBe(409);
    expect(textOf(await again.text())).toContain('cannot pause a paused run');
    expect((await responder.post(`/console/incidents/${id}/delivery/${run.id}/resume`)).status).toBe(303);

    const clock = fixedClock(new Date());
    await drainLedger(h, captureDeps(h, clock), clock);
    // The session's stream is the API's: the same events, ending once nothing moves.
    const stream = await responder.get(`/console/incidents/${id}/delivery/stream`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = (await stream.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(1);
    const data = JSON.parse(/^data: (.*)$/m.exec(events[0]!)![1]!) as { data: { id: string; remaining: number; counts: { channel: string; state: string; n: number }[] }[] };
    expect(data.data[0]).toMatchObject({ id: run.id, remaining: 0, counts: [{ channel: 'email', state: 'captured', n: 3 }] });
    const apiStream = await h.request('GET', `/v1/incidents/${id}/deliveries/stream`);
    expect(JSON.parse(/^data: (.*)$/m.exec(await apiStream.text())![1]!).data[0].counts).toEqual(data.data[0]!.counts);

    const done = await (await responder.get(`/console/incidents/${id}/delivery`)).text();
    expect(done).not.toContain('data-stream=');
    expect(textOf(done)).toContain('3 of 3 settled');
    const check = await json<{ ok: boolean; reached: number }>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`));
    expect(check).toMatchObject({ ok: true, reached: 3 });
    expect(done).toContain('data-check="ok"');
    // No contact detail reaches the page: people are named by their directory id only.
    for (const p of people) expect(done).not.toContain(`${p}@example.com`);
  });

  it('lists a notice whose outcome nobody could confirm and settles it from the page, a reason required to mark it sent', async () => {
    const h = harness();
    const id = await approvedIncident(h, ['uk-1', 'uk-2']);
    const { id: runId } = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    // A worker claimed both and went away; with no grace left they are held as unknown.
    await ledger.claimDeliveries(h.db.sql, { owner: 'gone', limit: 10, leaseMs: -1000, now: new Date(), runId });
    expect(await reconcileExpired(captureDeps(h, { now: () => new Date() }))).toMatchObject({ held: 2 });
    const responder = await signedIn(h, h.tokens.responder);
    const page = await (await responder.get(`/console/incidents/${id}/delivery`)).text();
    const held = [...page.matchAll(/data-unknown="(\d+)"/g)].map((m) => m[1]!);
    expect(held).toHaveLength(2);
    const [first, second] = held as [string, string];
    const noReason = await responder.post(`/console/incidents/${id}/delivery/unknown/${first}`, { action: 'mark_sent', reason: '' });
    expect(noReason.status).toBe(400);
    expect(textOf(await noReason.text())).toContain('a reason is required to mark a delivery as sent');
    const marked = await responder.post(`/console/incidents/${id}/delivery/unknown/${first}`, { action: 'mark_sent', reason: 'Listed as delivered in the provider dashboard' });
    expect(marked.status).toBe(303);
    await responder.get(`/console/incidents/${id}/delivery`);
    expect((await responder.post(`/console/incidents/${id}/delivery/unknown/${second}`, { action: 'resend' })).status).toBe(303);
    const proof = await json<{ unconfirmed_attempts: { resolution: string; reason: string | null }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries/proof/${first}`));
    expect(proof.unconfirmed_attempts).toMatchObject([{ resolution: 'marked_sent', reason: 'Listed as delivered in the provider dashboard' }]);
    const resent = await json<{ state: string }>(await h.request('GET', `/v1/incidents/${id}/deliveries/proof/${second}`));
    expect(resent.state).toBe('queued');
    expect(await (await responder.get(`/console/incidents/${id}/delivery`)).text()).not.toContain('data-unknown=');
  });

  it('drafts the announcement from the approved notice, previews it as the public page in both languages, publishes it and adds an update', async () => {
    const h = harness();
    const id = await approvedIncident(h, ['an-1']);
    const responder = await signedIn(h, h.tokens.responder);
    await responder.get(`/console/incidents/${id}/announcement`);
    expect(textOf(responder.lastHtml)).toContain('There is no announcement yet.');
    // A title in one language only is refused beside the missing one.
    const half = await responder.post(`/console/incidents/${id}/announcement/draft`, { impact: 'major', status: 'investigating', 'title.en': 'Order export exposed', 'title.zh-CN': '' });
    expect(half.status).toBe(400);
    expect(await half.text()).toMatch(/id="f-title.zh-CN-problem"[^>]*>[^<]+</);
    const drafted = await responder.post(`/console/incidents/${id}/announcement/draft`, { impact: 'minor', status: 'identified' });
    expect(drafted.status).toBe(303);
    const api = await json<{ slug: string; impact: string; published_at: string | null; title: Record<string, string> }>(await h.request('GET', `/v1/incidents/${id}/announcement`));
    expect(api).toMatchObject({ impact: 'minor', published_at: null, title: { en: sampleNoticeContent().locales.en.headline } });
    const page = await (await responder.get(drafted.headers.get('location')!)).text();
    expect(page).toContain(`src="/console/incidents/${id}/announcement/frame/zh-CN"`);
    for (const lang of ['en', 'zh-CN'] as const) {
      const frame = await responder.get(`/console/incidents/${id}/announcement/frame/${lang}`);
      expect(frame.status).toBe(200);
      expect(frame.headers.get('content-security-policy')).toMatch(/sandbox$/);
      const html = await frame.text();
      // The same document as the API's preview (drafts shown as published now).
      const apiPreview = await (await h.request('GET', `/v1/incidents/${id}/announcement/preview?lang=${lang}`)).text();
      const moments = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '(now)');
      expect(moments(html)).toBe(moments(apiPreview));
      expect(html).toContain(sampleNoticeContent().locales[lang].headline);
    }
    expect((await h.request('GET', `/status/${api.slug}`, { as: null })).status).toBe(404);
    await responder.get(`/console/incidents/${id}/announcement`);
    expect((await responder.post(`/console/incidents/${id}/announcement/publish`)).status).toBe(303);
    expect((await h.request('GET', `/status/${api.slug}`, { as: null })).status).toBe(200);
    const published = await (await responder.get(`/console/incidents/${id}/announcement?done=published`)).text();
    expect(published).toContain('data-published="yes"');
    expect(published).not.toContain('/announcement/publish"');
    const update = await responder.post(`/console/incidents/${id}/announcement/updates`, { status: 'monitoring', 'body.en': 'Every affected customer has been told.', 'body.zh-CN': '已通知所有受影响的客户。' });
    expect(update.status).toBe(303);
    const after = await json<{ updates: { status: string; published_at: string | null }[] }>(await h.request('GET', `/v1/incidents/${id}/announcement`));
    expect(after.updates.map((u) => u.status)).toEqual(['identified', 'monitoring']);
    expect(after.updates[1]!.published_at).not.toBeNull();
  });

  it('records a regulator filing from the deadlines page, each problem beside its field', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const responder = await signedIn(h, h.tokens.responder);
    const page = await (await responder.get(`/console/incidents/${id}/deadlines`)).text();
    const choice = /<option value="(cn-[^"|]+\|\|initial)"/.exec(page)?.[1] ?? /<option value="([^"]+\|initial)"/.exec(page)![1]!;
    const future = await responder.post(`/console/incidents/${id}/deadlines/filings`, { obligation: choice, filed_at: '2999-01-01T00:00:00', reference: 'R-1', note: '' });
    expect(future.status).toBe(422);
    expect(await future.text()).toMatch(/id="f-filed_at-problem"[^>]*>must not be in the future</);
    await responder.get(`/console/incidents/${id}/deadlines`);
    const filed = await responder.post(`/console/incidents/${id}/deadlines/filings`, { obligation: choice, filed_at: '', reference: 'CAC-2026-0042', note: 'Filed through the online form' });
    expect(filed.status).toBe(303);
    const [ruleId] = choice.split('|');
    const filings = await json<{ data: { reference: string; filed_by: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations/${ruleId}/filings`));
    expect(filings.data).toMatchObject([{ reference: 'CAC-2026-0042', filed_by: expect.stringContaining('test responder') }]);
    const shown = await (await responder.get(filed.headers.get('location')!)).text();
    expect(textOf(shown)).toContain('The filing is recorded.');
    expect(shown).toContain('CAC-2026-0042');
  });

  it('shows a viewer no write control on these pages and refuses the writes anyway', async () => {
    const h = harness();
    const id = await approvedIncident(h, ['vw-1']);
    const { id: runId } = await json<{ id: string }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }));
    expect((await h.request('POST', `/v1/incidents/${id}/announcement`, { as: 'responder', json: {} })).status).toBe(201);
    const viewer = await signedIn(h, h.tokens.viewer);
    for (const path of ['delivery', 'announcement', 'deadlines']) {
      const page = await (await viewer.get(`/console/incidents/${id}/${path}`)).text();
      const main = page.slice(page.indexOf('<main'));
      expect(main, path).not.toContain('<form');
      expect(page).not.toContain('vw-1@example.com');
    }
    await viewer.get(`/console/incidents/${id}/delivery`);
    const writes: [string, Record<string, string>][] = [
      [`/console/incidents/${id}/delivery/start`, {}],
      [`/console/incidents/${id}/delivery/${runId}/pause`, {}],
      [`/console/incidents/${id}/delivery/${runId}/cancel`, {}],
      [`/console/incidents/${id}/delivery/unknown/1`, { action: 'resend' }],
      [`/console/incidents/${id}/announcement/publish`, {}],
      [`/console/incidents/${id}/announcement/updates`, { status: 'resolved', 'body.en': 'x', 'body.zh-CN': 'x' }],
      [`/console/incidents/${id}/deadlines/filings`, { obligation: 'cn-pipl-57||initial' }],
    ];
    for (const [path, form] of writes) expect((await viewer.post(path, form)).status, path).toBe(403);
    expect((await json<{ data: { status: string }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`))).data[0]!.status).toBe('running');
    expect((await json<{ published_at: string | null }>(await h.request('GET', `/v1/incidents/${id}/announcement`))).published_at).toBeNull();
    // An approver may read but not send either: the API's roles, not the console's own.
    const approver = await signedIn(h, h.tokens.approver);
    expect(await (await approver.get(`/console/incidents/${id}/delivery`)).text()).not.toContain('/delivery/start"');
    expect((await approver.post(`/console/incidents/${id}/delivery/${runId}/pause`)).status).toBe(403);
    // Without the CSRF token a responder's write is refused too.
    const responder = await signedIn(h, h.tokens.responder);
    expect((await responder.request('POST', `/console/incidents/${id}/delivery/${runId}/pause`, {})).status).toBe(403);
  });
});
