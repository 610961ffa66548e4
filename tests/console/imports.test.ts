// The console's directory imports page: a file posted through the same import service as the API, its state and counts, rejected lines with reasons, roles.
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { ConsoleClient, textOf } from './client.js';
import { uploadForm } from './upload.js';

const line = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ external_id: id, email: `${id}@mail.example`, phone: '+8613812345678', country: 'CN', locale: 'zh-CN', data_categories: ['contact'], systems: ['crm'], ...over });

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

describeEachDatabase('console directory imports page', (harness) => {
  it('imports a JSON lines file, then shows its state, counts and each rejected line with its reasons', async () => {
    const h = harness();
    const client = await signedIn(h, h.tokens.responder);
    const list = await (await client.get('/console/directory/imports')).text();
    expect(list).toContain('enctype="multipart/form-data"');
    expect(list).toContain('data-upload');
    const file = [line('imp-a'), line('imp-b', { email: 'not an email' }), '{"external_id":', line('imp-c')].join('\n') + '\n';
    const res = await uploadForm(h, client, '/console/directory/imports', { format: '' }, { name: 'users.ndjson', content: file });
    expect(res.status).toBe(303);
    const at = res.headers.get('location')!;
    const impId = /imp_\w+/.exec(at)![0];
    const api = await json<{ status: string; lines_read: number; lines_imported: number; lines_rejected: number; source_name: string }>(await h.request('GET', `/v1/directory/imports/${impId}`, { as: 'responder' }));
    expect(api).toMatchObject({ status: 'completed', lines_read: 4, lines_imported: 2, lines_rejected: 2, source_name: 'users.ndjson' });
    const page = await (await client.get(at)).text();
    expect(page).toContain('data-state="completed"');
    expect(page).toMatch(/data-count="imported"[^>]*>2</);
    expect(page).toMatch(/data-count="rejected"[^>]*>2</);
    const rejects = (await (await h.request('GET', `/v1/directory/imports/${impId}/rejects`, { as: 'responder' })).text()).trim().split('\n').map((l) => JSON.parse(l) as { line: number; problems: { field: string; reason: string }[] });
    for (const r of rejects) {
      const row = page.slice(page.indexOf(`data-reject="${r.line}"`)).split('</tr>')[0]!;
      for (const p of r.problems) expect(textOf(row)).toContain(`${p.field}: ${p.reason}`);
    }
    expect(rejects.map((r) => r.line)).toEqual([2, 3]);
    // The list shows it, newest first.
    expect(await (await client.get('/console/directory/imports')).text()).toContain(`href="/console/directory/imports/${impId}"`);
  });

  it('takes a gzipped CSV by its name, and refuses in place a missing file, an empty one or a format it cannot tell', async () => {
    const h = harness();
    const client = await signedIn(h, h.tokens.responder);
    await client.get('/console/directory/imports');
    const csv = 'external_id,email,country,data_categories,systems\nimp-csv-1,csv1@mail.example,DE,contact,crm\n';
    const ok = await uploadForm(h, client, '/console/directory/imports', { format: '' }, { name: 'users.csv.gz', content: gzipSync(csv) });
    expect(ok.status).toBe(303);
    const impId = /imp_\w+/.exec(ok.headers.get('location')!)![0];
    expect(await json(await h.request('GET', `/v1/directory/imports/${impId}`, { as: 'responder' }))).toMatchObject({ format: 'csv', lines_imported: 1, lines_rejected: 0 });
    expect(textOf(await (await client.get(ok.headers.get('location')!)).text())).toContain('No line was rejected.');

    await client.get('/console/directory/imports');
    const none = await uploadForm(h, client, '/console/directory/imports', { format: '' }, null);
    expect(none.status).toBe(400);
    expect(await none.text()).toMatch(/id="f-file-problem"[^>]*>choose a file</);
    const empty = await uploadForm(h, client, '/console/directory/imports', { format: 'csv' }, { name: 'empty.csv', content: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/id="f-file-problem"[^>]*>the file is empty</);
    const unknown = await uploadForm(h, client, '/console/directory/imports', { format: '' }, { name: 'users.txt', content: line('x') });
    expect(unknown.status).toBe(400);
    const html = await unknown.text();
    expect(html).toMatch(/id="f-format-problem"[^>]*>name the format/);
    expect(html).toContain('aria-invalid="true"');
  });

  it('is the responder\'s and the admin\'s: other roles get no link, a 403 page, and their posts refused', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: { title: 'Imports link', nature: 'other', severity: 'low', discovered_at: new Date(Date.now() - 3_600_000).toISOString() } }));
    const responder = await signedIn(h, h.tokens.responder);
    expect(await (await responder.get(`/console/incidents/${id}`)).text()).toContain('href="/console/directory/imports"');
    const before = await json<{ data: unknown[] }>(await h.request('GET', '/v1/directory/imports', { as: 'responder' }));
    for (const role of ['viewer', 'approver'] as const) {
      expect((await h.request('GET', '/v1/directory/imports', { as: role })).status).toBe(403);
      const client = await signedIn(h, h.tokens[role]);
      expect(await (await client.get(`/console/incidents/${id}`)).text()).not.toContain('/console/directory/imports');
      const refused = await client.get('/console/directory/imports');
      expect(refused.status).toBe(403);
      expect(textOf(await refused.text())).toContain('Your role may not do this.');
      await client.get(`/console/incidents/${id}`);
      expect((await uploadForm(h, client, '/console/directory/imports', { format: 'ndjson' }, { name: 'x.ndjson', content: line('by-' + role) })).status).toBe(403);
    }
    expect(await json<{ data: unknown[] }>(await h.request('GET', '/v1/directory/imports', { as: 'responder' }))).toEqual(before);
  });
});
