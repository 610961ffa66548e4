import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createIncidentBody, patchIncidentBody } from '../../src/incidents/schema.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('\u0000', 'a\u0000b', '<script>alert(1)</script>', "'; drop table incidents; --", '{{constructor}}', '\uD800', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'x'.repeat(5000)),
  fc.constantFrom('0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59Z', '2026-11-20', 'yesterday', '2026-11-20T25:00:00Z'),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 1e308, 0.5, null, true, [], {}),
  fc.jsonValue({ maxDepth: 4 }),
);
const fieldNames = [...Object.keys(sampleIncident()), 'status', 'closed_at', 'drill', 'contained_at', '__proto__', 'constructor', 'id', 'version'];

/** A mostly-plausible incident with one to four fields replaced by something hostile. */
const mutatedIncident = fc
  .tuple(fc.uniqueArray(fc.constantFrom(...fieldNames), { minLength: 1, maxLength: 4 }), fc.array(hostileValue, { minLength: 4, maxLength: 4 }))
  .map(([fields, values]) => {
    const body: Record<string, unknown> = { ...sampleIncident() };
    fields.forEach((f, i) => Object.defineProperty(body, f, { value: values[i], enumerable: true, writable: true, configurable: true }));
    return JSON.stringify(body);
  });

const rawBodies = fc.oneof(
  { weight: 6, arbitrary: mutatedIncident },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"a":' + '['.repeat(5000), '{"title": "\\ud800"}', '\u0000') },
);

async function expectClientError(res: Response, label: string): Promise<number> {
  expect(res.status, label).toBeGreaterThanOrEqual(200);
  expect(res.status, label).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), label).toContain('application/problem+json');
    const body = await json<{ code: string; detail: string }>(res);
    expect(body.code, label).toEqual(expect.any(String));
    expect(body.detail, label).not.toMatch(/at .*\.ts:\d+|select |insert |postgres/i);
  }
  return res.status;
}

function schemaAccepts(schema: typeof createIncidentBody | typeof patchIncidentBody, raw: string): boolean {
  try {
    return schema.safeParse(JSON.parse(raw)).success;
  } catch {
    return false;
  }
}

describeEachDatabase('hostile bodies', (harness) => {
  it('POST /v1/incidents answers every generated body with a 4xx problem or a genuine create', async () => {
    const h: Harness = harness();
    let clientErrors = 0;
    await fc.assert(
      fc.asyncProperty(rawBodies, async (raw) => {
        const res = await h.request('POST', '/v1/incidents', { as: 'responder', body: raw, headers: { 'content-type': 'application/json' } });
        const status = await expectClientError(res, raw.slice(0, 200));
        // A 2xx is allowed only for a body the schema itself accepts.
        if (status < 400) expect(schemaAccepts(createIncidentBody, raw), raw.slice(0, 200)).toBe(true);
        else clientErrors++;
      }),
      { numRuns: 300, seed: 20261125 },
    );
    expect(clientErrors).toBeGreaterThanOrEqual(250);
  });

  it('PATCH /v1/incidents/{id} does the same', async () => {
    const h: Harness = harness();
    const created = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    let clientErrors = 0;
    await fc.assert(
      fc.asyncProperty(rawBodies, async (raw) => {
        const current = await h.request('GET', `/v1/incidents/${created.id}`);
        const res = await h.request('PATCH', `/v1/incidents/${created.id}`, {
          as: 'responder',
          body: raw,
          headers: { 'content-type': 'application/json', 'if-match': current.headers.get('etag')! },
        });
        const status = await expectClientError(res, raw.slice(0, 200));
        if (status < 400) expect(schemaAccepts(patchIncidentBody, raw), raw.slice(0, 200)).toBe(true);
        else clientErrors++;
      }),
      { numRuns: 300, seed: 20261126 },
    );
    expect(clientErrors).toBeGreaterThanOrEqual(250);
  });

  it('hides the cause of a server error behind the request id', async () => {
    const h = harness();
    const { createHarness } = await import('../helpers/harness.js');
    const broken = await createHarness(h.mode);
    await broken.db.close();
    const res = await broken.request('GET', '/v1/incidents', { headers: { 'x-request-id': 'broken-db-1' } });
    expect(res.status).toBe(500);
    const body = await json<Record<string, unknown>>(res);
    expect(body).toEqual({
      type: expect.any(String),
      title: 'Internal server error',
      status: 500,
      code: 'internal_error',
      detail: 'An unexpected error occurred; quote the request id when reporting it.',
      requestId: 'broken-db-1',
    });
  });
});
