// The console's affected people page: the scope editor with the API's checks in place, lists, resolving, totals, recipients, versions and their diff, CSV — and what each role sees.
import { expect, it } from 'vitest';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { ConsoleClient, textOf } from './client.js';
import { uploadForm } from './upload.js';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

const person = (id: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  external_id: id,
  name: `Person ${id}`,
  email: `${id}@mail.example`,
  phone: '+8613800138000',
  locale: 'zh-CN',
  country: 'CN',
  subdivision: 'CN-HB',
  account_status: 'active',
  data_categories: ['contact'],
  systems: ['orders-db'],
  created_at: daysAgo(400),
  updated_at: daysAgo(10),
  ...over,
});

const directory = [
  person('cn-1'),
  person('cn-2'),
  person('de-1', { country: 'DE', subdivision: 'DE-BY', locale: 'de-DE', email: 'de-1@mail.example', phone: null }),
  person('tx-1', { country: 'US', subdivision: 'US-TX', locale: 'en-US', phone: '+15125550100' }),
  person('forensics', { data_categories: ['device_usage'], systems: ['telemetry'] }),
];

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

async function openIncident(h: Harness): Promise<string> {
  return (await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }))).id;
}

describeEachDatabase('console affected people page', (harness) => {
  it('is linked from the incident page, sets the scope as the API would, and shows each problem beside its field', async () => {
    const h = harness();
    const id = await openIncident(h);
    const client = await signedIn(h, h.tokens.responder);
    expect(await (await client.get(`/console/incidents/${id}`)).text()).toContain(`href="/console/incidents/${id}/affected"`);
    const empty = await (await client.get(`/console/incidents/${id}/affected`)).text();
    expect(empty).toContain(`action="/console/incidents/${id}/affected/scope"`);
    // A region the API refuses, a window ending before it starts, no account kind: each problem in place, the typed values kept.
    const bad = await client.post(`/console/incidents/${id}/affected/scope`, { data_categories: 'contact', systems: 'orders-db', regions: 'CN, XX-99-9', window_from: '2026-05-02T00:00', window_to: '2026-05-01T00:00' });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toMatch(/id="f-regions-problem"[^>]*>#2: [^<]+</);
    expect(page).toMatch(/id="f-window_to-problem"[^>]*>must not be before window.from</);
    expect(page).toMatch(/id="f-account_statuses-problem"[^>]*>[^<]+</);
    expect(page).toContain('aria-invalid="true"');
    expect(page).toContain('value="CN, XX-99-9"');
    // A scope that would match nobody: the service's refusal (422), on the data categories.
    await client.get(`/console/incidents/${id}/affected`);
    const nobody = await client.post(`/console/incidents/${id}/affected/scope`, { account_statuses: ['active', 'deleted'] });
    expect(nobody.status).toBe(422);
    expect(await nobody.text()).toMatch(/id="f-data_categories-problem"[^>]*>a scope needs data categories/);
    expect((await h.request('GET', `/v1/incidents/${id}/scope`)).status).toBe(404);

    await client.get(`/console/incidents/${id}/affected`);
    const ok = await client.post(`/console/incidents/${id}/affected/scope`, { data_categories: 'contact', systems: 'orders-db', regions: 'cn de', account_statuses: ['active', 'deleted'], window_from: '', window_to: '' });
    expect(ok.status).toBe(303);
    const stored = await json<{ scope: Record<string, unknown> }>(await h.request('GET', `/v1/incidents/${id}/scope`));
    expect(stored.scope).toMatchObject({ data_categories: ['contact'], systems: ['orders-db'], regions: ['CN', 'DE'], window: null, account_statuses: ['active', 'deleted'] });
    const after = await (await client.get(ok.headers.get('location')!)).text();
    expect(textOf(after)).toContain('Scope saved');
    expect(after).toContain('value="CN, DE"');
  });

  it('uploads lists, resolves, and shows totals, recipients, versions with their diff and the CSV the API exports', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, directory, null, new Date());
    const id = await openIncident(h);
    const client = await signedIn(h, h.tokens.responder);
    await client.get(`/console/incidents/${id}/affected`);
    expect((await client.post(`/console/incidents/${id}/affected/scope`, { data_categories: 'contact', systems: 'orders-db', account_statuses: ['active', 'deleted'] })).status).toBe(303);
    const page0 = await (await client.get(`/console/incidents/${id}/affected`)).text();
    expect((await uploadForm(h, client, `/console/incidents/${id}/affected/lists`, { list: 'include' }, { name: 'forensics.txt', content: 'forensics\n\nforensics\n' })).status).toBe(303);
    expect(page0).toContain('enctype="multipart/form-data"');
    // An empty file is refused in place.
    await client.get(`/console/incidents/${id}/affected`);
    const emptyFile = await uploadForm(h, client, `/console/incidents/${id}/affected/lists`, { list: 'exclude' }, { name: 'none.txt', content: '' });
    expect(emptyFile.status).toBe(400);
    expect(await emptyFile.text()).toMatch(/id="f-file-problem"[^>]*>the file is empty</);
    expect(await json(await h.request('GET', `/v1/incidents/${id}/scope`))).toMatchObject({ lists: { include: 1, exclude: 0 } });

    await client.get(`/console/incidents/${id}/affected`);
    const resolved = await client.post(`/console/incidents/${id}/affected/resolve`);
    expect(resolved.status).toBe(303);
    const v1 = await json<{ version: number; row_count: number; summary: { by_jurisdiction: Record<string, number>; announcement_only: number } }>(await h.request('GET', `/v1/incidents/${id}/affected`));
    expect(v1).toMatchObject({ version: 1, row_count: 5 });
    const page1 = await (await client.get(resolved.headers.get('location')!)).text();
    expect(textOf(page1)).toContain('Snapshot version 1 is frozen');
    expect(page1).toMatch(/data-total="true">5</);
    // The announcement-only total is the API's count of reach (the snapshot route's), not another one.
    expect(page1).toContain(`<dt>Reached only by the public announcement</dt><dd>${v1.summary.announcement_only}</dd>`);
    const totals = page1.slice(page1.indexOf('data-by-jurisdiction'));
    for (const [j, n] of Object.entries(v1.summary.by_jurisdiction)) expect(totals).toMatch(new RegExp(`<td>${j}</td><td>${n}</td>`));
    // Recipients with their channels and contact details, for a role the API shows them to.
    expect(page1).toContain('data-person="tx-1"');
    expect(page1).toContain('tx-1@mail.example');
    expect(page1).toContain('email → sms → voice');

    // A second version: the exclude list takes one person out; the diff names them.
    expect((await uploadForm(h, client, `/console/incidents/${id}/affected/lists`, { list: 'exclude' }, { name: 'out.txt', content: 'cn-2\n' })).status).toBe(303);
    await client.get(`/console/incidents/${id}/affected`);
    expect((await client.post(`/console/incidents/${id}/affected/resolve`)).status).toBe(303);
    const page2 = await (await client.get(`/console/incidents/${id}/affected`)).text();
    expect(textOf(page2)).toContain('From version 1 to 2: 0 added, 1 removed.');
    expect(page2).toMatch(/Removed: <code>cn-2 <\/code>/);
    const reversed = textOf(await (await client.get(`/console/incidents/${id}/affected?from=2&to=1`)).text());
    expect(reversed).toContain('From version 2 to 1: 1 added, 0 removed.');

    const csv = await client.get(`/console/incidents/${id}/affected.csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('x-snapshot-version')).toBe('2');
    expect(await csv.text()).toBe(await (await h.request('GET', `/v1/incidents/${id}/affected.csv`, { as: 'responder' })).text());
  });

  it('pages through the recipients', async () => {
    const h = harness();
    // A system of their own: the other tests' people share this database.
    await upsertUsers(h.db.sql, Array.from({ length: 60 }, (_, n) => person(`p-${String(n).padStart(3, '0')}`, { systems: ['paging-db'] })), null, new Date());
    const id = await openIncident(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['paging-db'] } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    const client = await signedIn(h, h.tokens.responder);
    const first = await (await client.get(`/console/incidents/${id}/affected`)).text();
    expect([...first.matchAll(/data-person="/g)]).toHaveLength(50);
    const next = /href="([^"]+after=[^"#]+)#recipients"/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = await (await client.get(next)).text();
    const ids = [...second.matchAll(/data-person="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(Array.from({ length: 10 }, (_, n) => `p-${String(50 + n).padStart(3, '0')}`));
  });

  it('shows a viewer the totals without any person or contact detail, no write control, and refuses the viewer\'s writes', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, directory, null, new Date());
    const id = await openIncident(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['orders-db'], include_ids: ['forensics'] } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    await h.request('PUT', `/v1/incidents/${id}/scope/lists/exclude`, { as: 'responder', body: 'cn-2\n', headers: { 'content-type': 'text/plain' } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    for (const role of ['viewer', 'approver'] as const) {
      // The API shows neither role the people: the console shows them no one either.
      expect((await h.request('GET', `/v1/incidents/${id}/affected/users`, { as: role })).status).toBe(403);
      const client = await signedIn(h, h.tokens[role]);
      const page = await (await client.get(`/console/incidents/${id}/affected`)).text();
      expect(page).toMatch(/data-total="true">4</);
      expect(textOf(page)).toContain('may see the totals but not the people');
      expect(textOf(page)).toContain('From version 1 to 2: 0 added, 1 removed.');
      for (const u of directory) {
        expect(page).not.toContain(u.email!);
        if (u.phone) expect(page).not.toContain(u.phone);
        expect(page).not.toContain(`>${u.external_id}<`);
        expect(page).not.toContain(`${u.external_id} `);
      }
      expect(page).not.toContain('data-person');
      expect(page).not.toContain('affected.csv');
      expect(page).not.toMatch(/<form[^>]+method="post"[^>]+action="\/console\/incidents\//);
      expect((await client.get(`/console/incidents/${id}/affected.csv`)).status).toBe(403);
      // The CSRF token is the viewer's own, valid one: the role alone refuses.
      expect((await client.post(`/console/incidents/${id}/affected/scope`, { data_categories: 'health' })).status).toBe(403);
      await client.get(`/console/incidents/${id}/affected`);
      expect((await client.post(`/console/incidents/${id}/affected/resolve`)).status).toBe(403);
      await client.get(`/console/incidents/${id}/affected`);
      expect((await uploadForm(h, client, `/console/incidents/${id}/affected/lists`, { list: 'include' }, { name: 'x.txt', content: 'de-1\n' })).status).toBe(403);
    }
    const snap = await json<{ version: number }>(await h.request('GET', `/v1/incidents/${id}/affected`));
    expect(snap.version).toBe(2);
    expect(await json(await h.request('GET', `/v1/incidents/${id}/scope`))).toMatchObject({ scope: { data_categories: ['contact'] }, lists: { include: 0, exclude: 1 } });
  });

  it('refuses a post without the CSRF token, and says so when resolving before any scope', async () => {
    const h = harness();
    const id = await openIncident(h);
    const client = await signedIn(h, h.tokens.responder);
    await client.get(`/console/incidents/${id}/affected`);
    expect((await client.request('POST', `/console/incidents/${id}/affected/resolve`, {})).status).toBe(403);
    await client.get(`/console/incidents/${id}/affected`);
    const res = await client.post(`/console/incidents/${id}/affected/resolve`);
    expect(res.status).toBe(409);
    expect(textOf(await res.text())).toContain('Set a scope before resolving.');
  });
});
