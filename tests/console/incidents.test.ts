// Console incident pages: the list and its filters, opening an incident with the API's checks, editing with the version read, moves, roles.
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { apiPermissions } from '../../src/console/api-roles.js';
import { ConsoleClient, textOf } from './client.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().slice(0, 19);

async function openViaApi(h: Harness, patch: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  return json(await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), ...patch } }));
}

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

describeEachDatabase('console incident pages', (harness) => {
  it('takes each action\'s roles from the API route that does the same thing', () => {
    const may = apiPermissions(harness().app);
    expect(may('responder', 'POST /v1/incidents')).toBe(true);
    expect(may('viewer', 'POST /v1/incidents')).toBe(false);
    expect(may('approver', 'PATCH /v1/incidents/{id}')).toBe(false);
    expect(may('viewer', 'GET /v1/incidents/{id}')).toBe(true);
    expect(may('admin', 'PATCH /v1/incidents/{id}')).toBe(true);
    expect(() => may('admin', 'POST /v1/no-such-route')).toThrow(/does not exist/);
  });

  it('lists incidents with the filters the API has (status, severity, drill)', async () => {
    const h = harness();
    const high = await openViaApi(h, { title: 'High one', severity: 'high' });
    await openViaApi(h, { title: 'Low drill', severity: 'low', drill: true });
    const client = await signedIn(h, h.tokens.viewer);
    const all = textOf(await (await client.get('/console/incidents')).text());
    expect(all).toContain('High one');
    expect(all).toContain('Low drill');
    const filtered = textOf(await (await client.get('/console/incidents?severity=high&drill=false&status=detected')).text());
    expect(filtered).toContain('High one');
    expect(filtered).not.toContain('Low drill');
    const drills = await (await client.get('/console/incidents?drill=true')).text();
    expect(drills).toContain('Low drill');
    expect(drills).not.toContain(`/console/incidents/${high.id}"`);
    // A value the API does not know is ignored, not an error page.
    expect((await client.get('/console/incidents?severity=enormous')).status).toBe(200);
  });

  it('shows a viewer no write controls, and refuses a viewer\'s forged posts whatever the form carries', async () => {
    const h = harness();
    const { id, version } = await openViaApi(h);
    const viewer = await signedIn(h, h.tokens.viewer);
    const list = await (await viewer.get('/console/incidents')).text();
    expect(list).not.toContain('/console/incidents/new');
    const page = await (await viewer.get(`/console/incidents/${id}`)).text();
    expect(page).not.toContain(`action="/console/incidents/${id}/facts"`);
    expect(page).not.toContain(`action="/console/incidents/${id}/status"`);
    expect(textOf(page)).toContain('may read this incident but not change it');
    expect((await viewer.get('/console/incidents/new')).status).toBe(403);
    // The CSRF token is valid (the viewer's own page gave it): the role alone refuses.
    const forgedMove = await viewer.post(`/console/incidents/${id}/status`, { version: String(version), status: 'assessing' });
    expect(forgedMove.status).toBe(403);
    await viewer.get(`/console/incidents/${id}`);
    const forgedEdit = await viewer.post(`/console/incidents/${id}/facts`, { version: String(version), title: 'Changed by a viewer' });
    expect(forgedEdit.status).toBe(403);
    await viewer.get('/console/incidents');
    const forgedOpen = await viewer.post('/console/incidents', { title: 'Opened by a viewer', nature: 'other', severity: 'low', discovered_at: minutesAgo(60) });
    expect(forgedOpen.status).toBe(403);
    const after = await json<{ version: number; title: string; status: string }>(await h.request('GET', `/v1/incidents/${id}`));
    expect(after).toMatchObject({ version, status: 'detected', title: sampleIncident().title });
    const listed = await json<{ data: { title: string }[] }>(await h.request('GET', '/v1/incidents?limit=200'));
    expect(listed.data.map((i) => i.title)).not.toContain('Opened by a viewer');
    // An approver reads but may not change facts either (the API's PATCH is responder-only).
    const approver = await signedIn(h, h.tokens.approver);
    expect(await (await approver.get(`/console/incidents/${id}`)).text()).not.toContain(`/facts"`);
  });

  it('opens an incident through a form that refuses what the API refuses, each problem beside its field', async () => {
    const h = harness();
    const client = await signedIn(h, h.tokens.responder);
    await client.get('/console/incidents/new');
    const empty = await client.post('/console/incidents', { title: '', nature: 'other', severity: 'low', regions: 'XX-NOPE', discovered_at: 'yesterday' });
    expect(empty.status).toBe(400);
    const html = await empty.text();
    expect(html).toMatch(/id="f-title" name="title" aria-invalid="true" aria-describedby="f-title-problem"/);
    expect(html).toMatch(/id="f-discovered_at-problem">[^<]+</);
    expect(html).toMatch(/id="f-regions-problem">[^<]*ISO 3166/);
    // What was typed is kept.
    expect(html).toContain('value="yesterday"');
    // Facts that cannot be true together: the service's check, shown on the fields it names.
    const contradictory = await client.post('/console/incidents', {
      title: 'Export bucket',
      nature: 'accidental_disclosure',
      severity: 'high',
      discovered_at: minutesAgo(60),
      aware_at: minutesAgo(120),
      data_categories: ['contact', 'account'],
      systems: 'orders-db\nexport-bucket',
      regions: 'CN, de',
    });
    expect(contradictory.status).toBe(422);
    const page = await contradictory.text();
    expect(page).toMatch(/id="f-aware_at-problem">[^<]+</);
    expect(page).toMatch(/value="contact" checked/);
    const ok = await client.post('/console/incidents', {
      title: 'Export bucket',
      nature: 'accidental_disclosure',
      severity: 'high',
      discovered_at: minutesAgo(120),
      aware_at: minutesAgo(60),
      data_categories: ['contact', 'account'],
      systems: 'orders-db\nexport-bucket',
      regions: 'CN, de',
      estimated_total: '1200',
      encrypted: 'false',
    });
    expect(ok.status).toBe(303);
    const id = /\/console\/incidents\/(inc_\w+)$/.exec(ok.headers.get('location')!)![1]!;
    const stored = await json<Record<string, unknown>>(await h.request('GET', `/v1/incidents/${id}`));
    expect(stored).toMatchObject({ title: 'Export bucket', systems: ['orders-db', 'export-bucket'], regions: ['CN', 'DE'], data_categories: ['contact', 'account'], encrypted: false, estimated_affected: { total: 1200 }, created_by: expect.stringMatching(/^key_/) });
    const timeline = await json<{ events: { type: string; actor: string }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    expect(timeline.events[0]).toMatchObject({ type: 'incident.opened', actor: expect.stringContaining('test responder') });
  });

  it('offers only the allowed moves, applies one, and shows the chain verified', async () => {
    const h = harness();
    const { id } = await openViaApi(h);
    const client = await signedIn(h, h.tokens.responder);
    const page = await (await client.get(`/console/incidents/${id}`)).text();
    const offered = [...page.matchAll(/name="status" value="(\w+)"/g)].map((m) => m[1]);
    expect(offered).toEqual(['assessing', 'closed']);
    expect(textOf(page)).toMatch(/Hash chain verified: \d+ events/);
    const moved = await client.post(`/console/incidents/${id}/status`, { version: '1', status: 'assessing' });
    expect(moved.status).toBe(303);
    const after = await (await client.get(moved.headers.get('location')!)).text();
    expect(textOf(after)).toContain('Saved.');
    expect([...after.matchAll(/name="status" value="(\w+)"/g)].map((m) => m[1])).toEqual(['contained', 'closed']);
    // A move the lifecycle does not allow, forged into the form, is refused by the service with the allowed ones.
    const bad = await client.post(`/console/incidents/${id}/status`, { version: '2', status: 'monitoring' });
    expect(bad.status).toBe(409);
    expect(textOf(await bad.text())).toContain('allowed: contained, closed');
    expect(await json<{ status: string }>(await h.request('GET', `/v1/incidents/${id}`))).toMatchObject({ status: 'assessing' });
  });

  it('edits facts against the version read; a change in between is refused with who changed what', async () => {
    const h = harness();
    const { id } = await openViaApi(h);
    const ana = await signedIn(h, h.tokens.responder);
    const ben = await signedIn(h, h.otherTokens.responder);
    const anaPage = await (await ana.get(`/console/incidents/${id}`)).text();
    await ben.get(`/console/incidents/${id}`);
    // What the browser would send back of the edit form as shown (text fields and text areas).
    const form = (html: string) =>
      Object.fromEntries([...html.matchAll(/<input type="(?:text|datetime-local|number)"[^>]*?name="(\w+)"[^>]*?value="([^"]*)"|<textarea[^>]*?name="(\w+)"[^>]*>([^<]*)<\/textarea>/g)].map((m) => [m[1] ?? m[3]!, m[2] ?? m[4]!]));
    const anaValues = form(anaPage);
    expect(anaValues.title).toBe(sampleIncident().title);
    const first = await ben.post(`/console/incidents/${id}/facts`, { ...form(ben.lastHtml), version: '1', title: 'Renamed by Ben', nature: 'accidental_disclosure', severity: 'high', data_categories: ['contact', 'shipping_address', 'purchase_payment'], systems: 'orders-db\nexport-bucket', encrypted: 'false' });
    expect(first.status).toBe(303);
    const stale = await ana.post(`/console/incidents/${id}/facts`, { ...anaValues, version: '1', severity: 'critical', nature: 'accidental_disclosure', data_categories: ['contact', 'shipping_address', 'purchase_payment'], systems: 'orders-db\nexport-bucket', encrypted: 'false' });
    expect(stale.status).toBe(412);
    const text = textOf(await stale.text());
    expect(text).toContain('Someone changed this incident after you read it');
    expect(text).toContain('You read version 1; it is now version 2');
    expect(text).toContain('second responder');
    expect(text).toMatch(/title : Order database snapshot readable from a public bucket → Renamed by Ben/);
    const stored = await json<{ title: string; severity: string; version: number; discovered_at: string }>(await h.request('GET', `/v1/incidents/${id}`));
    expect(stored).toMatchObject({ title: 'Renamed by Ben', severity: 'high', version: 2 });
    // Only the changed field was written: the times the form shows to the second are left as stored, to the millisecond.
    expect(stored.discovered_at).toBe(sampleIncident().discovered_at.slice(0, 11) + stored.discovered_at.slice(11));
    const timeline = await json<{ events: { type: string; data: { changes?: Record<string, unknown> } }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    const update = timeline.events.find((e) => e.type === 'incident.updated')!;
    expect(Object.keys(update.data.changes!)).toEqual(['title']);
  });

  it('completes and skips overdue steps, offering each only to a holder of its role, and the service checks again', async () => {
    const h = harness();
    const { id } = await openViaApi(h);
    const responder = await signedIn(h, h.tokens.responder);
    const page = await (await responder.get(`/console/incidents/${id}`)).text();
    const forms = [...page.matchAll(/action="\/console\/incidents\/inc_\w+\/checklist\/([\w.-]+)"/g)].map((m) => m[1]!);
    const checklist = await json<{ data: { step_id: string; role: string; overdue: boolean; state: string }[] }>(await h.request('GET', `/v1/incidents/${id}/checklist`));
    const overdue = checklist.data.filter((s) => s.overdue);
    expect(forms).toEqual(overdue.filter((s) => s.role === 'responder').map((s) => s.step_id));
    const approverStep = overdue.find((s) => s.role === 'approver');
    const [first, second] = forms;
    expect(first && second).toBeTruthy();
    const done = await responder.post(`/console/incidents/${id}/checklist/${first}`, { action: 'complete', note: 'Bucket policy reviewed' });
    expect(done.status).toBe(303);
    await responder.get(`/console/incidents/${id}`);
    const noNote = await responder.post(`/console/incidents/${id}/checklist/${second}`, { action: 'skip', note: '' });
    expect(noNote.status).toBe(422);
    expect(textOf(await noNote.text())).toContain('say why the step is skipped');
    const skipped = await responder.post(`/console/incidents/${id}/checklist/${second}`, { action: 'skip', note: 'Handled by the vendor' });
    expect(skipped.status).toBe(303);
    if (approverStep) {
      // The responder's page offers no form for an approver's step; a forged one is refused by the service.
      await responder.get(`/console/incidents/${id}`);
      expect((await responder.post(`/console/incidents/${id}/checklist/${approverStep.step_id}`, { action: 'complete', note: '' })).status).toBe(403);
    }
    const after = await json<{ data: { step_id: string; state: string; note: string | null }[] }>(await h.request('GET', `/v1/incidents/${id}/checklist`));
    expect(after.data.find((s) => s.step_id === first)).toMatchObject({ state: 'done', note: 'Bucket policy reviewed' });
    expect(after.data.find((s) => s.step_id === second)).toMatchObject({ state: 'skipped', note: 'Handled by the vendor' });
    if (approverStep) expect(after.data.find((s) => s.step_id === approverStep.step_id)).toMatchObject({ state: 'open' });
    const viewer = await signedIn(h, h.tokens.viewer);
    expect(await (await viewer.get(`/console/incidents/${id}`)).text()).not.toContain('/checklist/');
    expect((await viewer.post(`/console/incidents/${id}/checklist/${forms[2] ?? first}`, { action: 'complete', note: '' })).status).toBe(403);
  });

  it('shows the page in Chinese when asked, and remembers it', async () => {
    const h = harness();
    const { id } = await openViaApi(h);
    const client = await signedIn(h, h.tokens.viewer);
    const zh = await (await client.get(`/console/incidents/${id}?lang=zh-CN`)).text();
    expect(zh).toContain('<html lang="zh-CN">');
    expect(textOf(zh)).toContain('时间线');
    expect(textOf(zh)).toContain('已发现');
    const next = await (await client.get('/console/incidents')).text();
    expect(next).toContain('<html lang="zh-CN">');
  });
});
