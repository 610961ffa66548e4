import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createIncidentBody, patchIncidentBody } from '../../src/incidents/schema.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { isJsonOperation, listOperations, wrongContentTypes } from '../helpers/operations.js';

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

  it('answers every JSON operation of the API with a 4xx problem or a success, whatever the body, content type or encoding', async () => {
    const h: Harness = harness();
    // Real ids where a path takes an incident, so requests get past the look-up into the handlers.
    const incident = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const operations = (await listOperations(h)).filter(isJsonOperation).map((op) => ({ ...op, path: op.template.startsWith('/v1/incidents/{id}') ? op.path.replace(/^\/v1\/incidents\/[^/]+/, `/v1/incidents/${incident.id}`) : op.path }));
    expect(operations.length).toBeGreaterThanOrEqual(14);
    const encoder = new TextEncoder();
    // Bytes that are not UTF-8 inside otherwise well-formed JSON: Latin-1, a lone continuation byte, an overlong NUL, a CESU surrogate.
    const notUtf8 = [[0xe9], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff, 0xfe]].map((bad) => {
      const [head, tail] = [encoder.encode('{"title":"Caf'), encoder.encode('","content":{"x":"y"},"name":"n"}')];
      return new Uint8Array([...head, ...bad, ...tail]);
    });
    let requests = 0;
    const serverErrors: string[] = [];
    const send = async (op: (typeof operations)[number], body: BodyInit, headers: Record<string, string>, label: string) => {
      requests++;
      const res = await h.app.request(op.path, { method: op.method, headers: { authorization: `Bearer ${h.tokens.admin}`, 'if-match': '*', ...headers }, body });
      if (res.status >= 500) serverErrors.push(`${op.method} ${op.template} ${label}: ${res.status}`);
      await expectClientError(res, `${op.method} ${op.template} ${label}`);
    };
    for (const op of operations) {
      for (const wrong of wrongContentTypes) await send(op, wrong.label === 'none' ? encoder.encode(wrong.body) : wrong.body, wrong.headers, wrong.label);
      for (const bytes of notUtf8) await send(op, bytes, { 'content-type': 'application/json' }, 'not UTF-8');
      await fc.assert(
        fc.asyncProperty(rawBodies, async (raw) => send(op, raw, { 'content-type': 'application/json' }, raw.slice(0, 120))),
        { numRuns: 40, seed: 20261206 },
      );
    }
    console.log(`hostile bodies [${h.mode}]: ${requests} requests to ${operations.length} JSON operations, ${serverErrors.length} answered 5xx`);
    expect(serverErrors).toEqual([]);
    expect(requests).toBe(operations.length * (wrongContentTypes.length + notUtf8.length + 40));
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
