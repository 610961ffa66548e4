// Bad input gets a clear 4xx problem: other content types, control characters in the query, bytes that are not UTF-8, entity tags that do not match.
import { describe, expect, it } from 'vitest';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { dbModes } from '../helpers/db.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { createHarness, describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { isJsonOperation, listOperations, wrongContentTypes } from '../helpers/operations.js';

interface Problem {
  code: string;
  detail: string;
  status: number;
  errors?: { field: string; message: string }[];
}

async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return json<Problem>(res);
}

const openIncident = async (h: Harness) => json<{ id: string; version: number }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));

describeEachDatabase('hostile input', (harness) => {
  it('answers a JSON operation called with another content type with 415 unsupported_media_type, on every JSON operation', async () => {
    const h = harness();
    // The API's own operations; provider webhooks answer only their providers' signed requests (404 while unconfigured).
    const operations = (await listOperations(h)).filter((op) => isJsonOperation(op) && op.template.startsWith('/v1/'));
    expect(operations.length).toBeGreaterThanOrEqual(14);
    for (const op of operations) {
      for (const wrong of wrongContentTypes) {
        // fetch would add text/plain to a string body; a Uint8Array goes without a content type.
        const body = wrong.label === 'none' ? new TextEncoder().encode(wrong.body) : wrong.body;
        const res = await h.app.request(op.path, { method: op.method, headers: { authorization: `Bearer ${h.tokens.admin}`, ...wrong.headers }, body });
        const label = `${op.method} ${op.template} as ${wrong.label}`;
        expect(res.status, label).toBe(415);
        const problem = await problemOf(res);
        expect(problem.code, label).toBe('unsupported_media_type');
        expect(problem.errors, label).toEqual([{ field: 'header.content-type', message: 'must be application/json' }]);
      }
    }
  });

  it('refuses control characters in query parameters, naming the parameter, as in body fields', async () => {
    const h = harness();
    const upload = await h.request('POST', '/v1/directory/imports?name=%00', { as: 'responder', body: '{"external_id":"q-1"}\n', headers: { 'content-type': 'application/x-ndjson' } });
    expect(upload.status).toBe(400);
    expect(await problemOf(upload)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'query.name', message: 'must not contain control characters' }] });
    const [imports] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from directory_imports where source_name like ${'%' + '\u0001' + '%'} or source_name is null`;
    expect(imports!.n).toBe(0);

    const list = await h.request('GET', '/v1/incidents?cursor=a%1Fb&limit=5');
    expect(list.status).toBe(400);
    expect((await problemOf(list)).errors).toEqual([{ field: 'query.cursor', message: 'must not contain control characters' }]);
    const del = await h.request('GET', '/v1/directory/imports?limit=1%7F0');
    expect(del.status).toBe(400);
    expect((await problemOf(del)).errors).toEqual([{ field: 'query.limit', message: 'must not contain control characters' }]);
  });

  it('refuses a JSON body that is not UTF-8 with 400 malformed_json, storing nothing', async () => {
    const h = harness();
    const prefix = new TextEncoder().encode(JSON.stringify({ ...sampleIncident(), title: 'Caf' }).replace(/"title":"Caf"/, '"title":"Caf'));
    const body = new Uint8Array([...prefix.subarray(0, prefix.indexOf(0x43 /* C */) + 3), 0xe9, ...prefix.subarray(prefix.indexOf(0x43) + 3)]);
    expect(new TextDecoder().decode(body)).toContain('Caf\uFFFD');
    const res = await h.app.request('/v1/incidents', { method: 'POST', headers: { authorization: `Bearer ${h.tokens.responder}`, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(await problemOf(res)).toMatchObject({ code: 'malformed_json', errors: [{ field: '(body)', message: 'must be UTF-8' }] });
    const [stored] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from incidents where title like ${'%\uFFFD%'}`;
    expect(stored!.n).toBe(0);
    // The same body in proper UTF-8 is accepted.
    const good = await h.app.request('/v1/incidents', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.responder}`, 'content-type': 'application/json; charset=utf-8' },
      body: new TextEncoder().encode(JSON.stringify({ ...sampleIncident(), title: 'Café' })),
    });
    expect(good.status).toBe(201);
    expect((await json<{ title: string }>(good)).title).toBe('Café');
  });

  it('answers any If-Match that does not name the current version with 412, and lets * match any version (RFC 9110 §13.1.1)', async () => {
    const h = harness();
    const { id } = await openIncident(h);
    const patch = (ifMatch: string, summary: string) => h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { summary }, headers: { 'if-match': ifMatch } });
    for (const tag of ['"stale-0"', '"2"', 'W/"1"', '1', 'garbage', '"1"x']) {
      const res = await patch(tag, `never ${tag}`);
      expect(res.status, tag).toBe(412);
      const problem = await problemOf(res);
      expect(problem, tag).toMatchObject({ code: 'precondition_failed', currentVersion: 1 });
      expect(problem.detail, tag).toBe('the incident has changed since the version you sent; the current version is 1');
    }
    const listed = await patch('"7", "1"', 'listed tags');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('etag')).toBe('"2"');
    const any = await patch('*', 'whatever is current');
    expect(any.status).toBe(200);
    expect(await json(any)).toMatchObject({ version: 3, summary: 'whatever is current' });
    expect((await patch('*', 'x')).status).toBe(200);
    const missing = await h.request('PATCH', '/v1/incidents/inc_0k6m8x2d1q4h7vbn9c3t5w8y', { as: 'responder', json: { summary: 'x' }, headers: { 'if-match': '*' } });
    expect(missing.status).toBe(404);
  });
});

for (const mode of dbModes) {
  describe(`a server draining for a stop [${mode}]`, () => {
    it('refuses new requests with 503, asks the client to close, and ends event streams with a final event', async () => {
      const draining = new AbortController();
      const h = await createHarness(mode, { lifecycle: { draining: draining.signal, halted: new AbortController().signal } });
      try {
        // A delivery run with notices still to send, so its event stream stays open.
        await upsertUsers(h.db.sql, [person], null, new Date());
        const { id } = await openIncident(h);
        await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], include_ids: [person.external_id] } });
        await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
        await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
        await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
        expect((await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' })).status).toBe(201);

        const stream = await h.request('GET', `/v1/incidents/${id}/deliveries/stream`, { as: 'viewer' });
        expect(stream.status).toBe(200);
        const reader = stream.body!.getReader();
        const decoder = new TextDecoder();
        let text = decoder.decode((await reader.read()).value);
        expect(text).toContain('event: progress');

        draining.abort();
        const refused = await h.request('GET', '/v1/incidents');
        expect(refused.status).toBe(503);
        expect(refused.headers.get('connection')).toBe('close');
        expect(await problemOf(refused)).toMatchObject({ code: 'not_ready', detail: 'The server is shutting down; try again in a moment.' });

        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          text += decoder.decode(next.value);
        }
        expect(text).toMatch(/event: end\ndata: \{"reason":"server_stopping"\}/);
      } finally {
        await h.db.close();
      }
    });
  });
}

const person: DirectoryUser = {
  external_id: 'drain-1',
  name: 'drain-1',
  email: 'drain@example.com',
  locale: 'en',
  country: 'CN',
  subdivision: null,
  account_status: 'active',
  data_categories: ['contact'],
  systems: [],
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
};
