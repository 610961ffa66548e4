import { expect, it } from 'vitest';
import { describeEachDatabase, json } from '../helpers/harness.js';

describeEachDatabase('errors and conventions', (harness) => {
  it('gives problem+json with a request id for malformed JSON', async () => {
    const h = harness();
    const res = await h.request('POST', '/v1/incidents', { as: 'responder', body: '{"title": ', headers: { 'content-type': 'application/json', 'x-request-id': 'req-123' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await json(res)).toMatchObject({ code: 'malformed_json', requestId: 'req-123', status: 400 });
  });

  it('answers 413 for a body over the limit', async () => {
    const h = harness();
    const res = await h.request('POST', '/v1/incidents', { as: 'responder', body: JSON.stringify({ title: 'x'.repeat(h.config.BODY_LIMIT_BYTES + 10) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers 404 problem+json for an unknown route', async () => {
    const res = await harness().request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ code: 'not_found' });
  });

  it('serves health, readiness, the OpenAPI document and the docs page', async () => {
    const h = harness();
    expect(await json(await h.request('GET', '/healthz', { as: null }))).toEqual({ status: 'ok' });
    expect(await json(await h.request('GET', '/readyz', { as: null }))).toMatchObject({ status: 'ready' });
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await h.request('GET', '/openapi.json', { as: null }));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/incidents/{id}/timeline');
    const docs = await h.request('GET', '/docs', { as: null });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('logs one line per request without tokens, emails or phone numbers', async () => {
    const h = harness();
    const before = h.logs.length;
    await h.request('POST', '/v1/incidents', {
      as: 'responder',
      json: { title: 'Reported by ana@example.com, call +4915112345678', nature: 'other', severity: 'low', discovered_at: new Date().toISOString() },
      headers: { 'x-request-id': 'log-check-1' },
    });
    const lines = h.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.req_id === 'log-check-1' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', route: '/v1/incidents', status: 201 });
    expect(typeof line!.duration_ms).toBe('number');
    const all = h.logs.join('\n');
    expect(all).not.toContain(h.tokens.responder);
    expect(all).not.toContain('ana@example.com');
    expect(all).not.toContain('4915112345678');
  });
});
