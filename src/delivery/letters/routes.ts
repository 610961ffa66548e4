// HTTP routes for letters: print batches (combined PDF + manifest), handover to the mail house, returned mail.
import { z } from '@hono/zod-openapi';
import { parse as parseCsv } from 'csv-parse/sync';
import { actorOf, authedRoute, conflictResponse, createRouter, incidentParams, notFoundResponse, problemDoc, readRoles } from '../../http/openapi.js';
import { ApiError } from '../../http/errors.js';
import type { AppEnv } from '../../http/context.js';
import type { Context } from 'hono';
import { idParam, iso, label, timestamp } from '../../lib/schema.js';
import { batchManifest, batchPdf, createBatch, getBatch, handOverBatch, listBatches, recordReturnedLetters, renderBatch, sendLettersThroughLob, type BatchRow } from './service.js';

const batchSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    status: z.enum(['rendering', 'ready', 'failed', 'handed_over']),
    letters: z.number().int(),
    rendered: z.number().int().openapi({ description: 'Letters rendered so far: the progress of a large batch.' }),
    pages: z.number().int(),
    pdf_bytes: z.number().int(),
    pdf_sha256: z.string().nullable(),
    manifest_sha256: z.string().nullable(),
    failure: z.string().nullable(),
    created_at: z.string(),
    ready_at: z.string().nullable(),
    handed_over_at: z.string().nullable(),
    taken_by: z.string().nullable(),
    links: z.object({ pdf: z.string(), manifest: z.string() }),
  })
  .openapi('LetterBatch');

const batchJson = (b: BatchRow) => ({
  id: b.id,
  incident_id: b.incident_id,
  status: b.status,
  letters: b.letters,
  rendered: b.rendered,
  pages: b.pages,
  pdf_bytes: Number(b.pdf_bytes),
  pdf_sha256: b.pdf_sha256,
  manifest_sha256: b.manifest_sha256,
  failure: b.failure,
  created_at: iso(b.created_at)!,
  ready_at: iso(b.ready_at),
  handed_over_at: iso(b.handed_over_at),
  taken_by: b.taken_by,
  links: { pdf: `/v1/incidents/${b.incident_id}/letters/batches/${b.id}/letters.pdf`, manifest: `/v1/incidents/${b.incident_id}/letters/batches/${b.id}/manifest.csv` },
});

const batchParams = z.object({ id: idParam('id', 'inc'), batch: idParam('batch', 'lb') });

const createRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/letters/batches',
  operationId: 'createLetterBatch',
  tags: ['Letters'],
  summary: 'Take every queued letter into a print batch (one combined PDF and a manifest), rendered in the background',
  description: 'Also restarts batches whose rendering failed or stopped. Watch `rendered` of GET …/batches/{batch} for progress.',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: {
    202: {
      description: 'The new batch (rendering), and any restarted ones',
      content: { 'application/json': { schema: z.object({ batch: batchSchema.nullable(), restarted: z.array(batchSchema) }) } },
    },
    ...notFoundResponse,
    ...conflictResponse,
    503: problemDoc('This runtime cannot render letters (no fonts: letters are made by a Node process)'),
  },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/letters/batches',
  operationId: 'listLetterBatches',
  tags: ['Letters'],
  summary: 'Print batches of the incident, with their progress',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Batches', content: { 'application/json': { schema: z.object({ data: z.array(batchSchema) }) } } }, ...notFoundResponse },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/letters/batches/{batch}',
  operationId: 'getLetterBatch',
  tags: ['Letters'],
  summary: 'One print batch: status, letters rendered so far, pages, hashes of the PDF and the manifest',
  roles: readRoles,
  request: { params: batchParams },
  responses: { 200: { description: 'The batch', content: { 'application/json': { schema: batchSchema } } }, ...notFoundResponse },
});

const pdfRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/letters/batches/{batch}/letters.pdf',
  operationId: 'downloadLetterBatchPdf',
  tags: ['Letters'],
  summary: 'The combined, print-ready PDF of a batch (each letter starts on a new sheet; see the manifest for its pages)',
  roles: readRoles,
  request: { params: batchParams },
  responses: { 200: { description: 'PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } }, ...notFoundResponse, ...conflictResponse },
});

const manifestRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/letters/batches/{batch}/manifest.csv',
  operationId: 'downloadLetterBatchManifest',
  tags: ['Letters'],
  summary: 'The manifest of a batch: delivery id, recipient, address lines, country, paper, pages and content hash of each letter',
  roles: readRoles,
  request: { params: batchParams },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...notFoundResponse, ...conflictResponse },
});

const handoverBody = z
  .strictObject({
    taken_by: label.openapi({ description: 'Who took the batch: the mail house and the person.', example: 'Printhaus Nord, courier J. Weber' }),
    taken_at: timestamp.optional().openapi({ description: 'When; now if left out.' }),
  })
  .openapi('LetterHandover');

const handoverRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/letters/batches/{batch}/handover',
  operationId: 'handOverLetterBatch',
  tags: ['Letters'],
  summary: 'Record that the mail house took the batch: its letters become accepted, on the timeline',
  roles: ['responder'],
  request: { params: batchParams, body: { required: true, content: { 'application/json': { schema: handoverBody } } } },
  responses: {
    200: { description: 'The batch, handed over', content: { 'application/json': { schema: batchSchema } } },
    ...notFoundResponse,
    ...conflictResponse,
    422: problemDoc('A handover time in the future or before the batch was ready'),
  },
});

const returnedBody = z.strictObject({ delivery_ids: z.array(z.string().max(40)).min(1).max(100_000) }).openapi('ReturnedLetters');

const returnedRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/letters/returned',
  operationId: 'recordReturnedLetters',
  tags: ['Letters'],
  summary: 'Record returned mail: each person moves to their next channel, or to the announcement',
  description: 'JSON `{"delivery_ids": [...]}`, or a CSV with a `delivery_id` column (a batch manifest will do). Any unknown id → 422 naming it, and nothing is applied.',
  roles: ['responder'],
  request: {
    params: incidentParams,
    // Marked optional only so the JSON check leaves a CSV body alone; the handler requires one or the other.
    body: {
      required: false,
      content: { 'application/json': { schema: returnedBody }, 'text/csv': { schema: z.string().openapi({ example: 'delivery_id\n1042\n1043\n' }) } },
    },
  },
  responses: {
    200: {
      description: 'What was recorded',
      content: {
        'application/json': {
          schema: z.object({ returned: z.number().int(), already_recorded: z.array(z.string()), next: z.record(z.string(), z.number().int()) }).openapi('ReturnedLettersReport'),
        },
      },
    },
    ...notFoundResponse,
    422: problemDoc('Unknown delivery ids, or letters not handed over yet: each is named, and nothing is applied'),
  },
});

const lobRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/letters/lob',
  operationId: 'sendLettersThroughLob',
  tags: ['Letters'],
  summary: 'Send the queued letters to US addresses through Lob (LOB_API_KEY), one request each with an Idempotency-Key',
  description: 'Safe to repeat: a letter whose earlier attempt was cut off is sent again with the same key, and Lob returns the letter it already made.',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: {
    200: {
      description: 'What happened',
      content: { 'application/json': { schema: z
            .object({
              sent: z.number().int(),
              adopted: z.number().int().openapi({ description: 'Letters an earlier, unconfirmed attempt had already made at Lob (found by their metadata): recorded, not sent again.' }),
              refused: z.number().int(),
              retry_later: z.number().int(),
            })
            .openapi('LobReport') } },
    },
    ...notFoundResponse,
    ...conflictResponse,
    503: problemDoc('This runtime cannot render letters (no fonts: letters are made by a Node process)'),
  },
});

/** Reads the returned-mail list from JSON or CSV. */
async function returnedIds(c: Context<AppEnv>): Promise<string[]> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') {
    let records: Record<string, string>[];
    try {
      records = parseCsv(await c.req.text(), { columns: true, skip_empty_lines: true, trim: true, bom: true });
    } catch (err) {
      throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'body', message: `not readable CSV: ${(err as Error).message.split('\n')[0]}` }] });
    }
    if (records.length === 0 || !('delivery_id' in records[0]!)) {
      throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'delivery_id', message: 'the CSV needs a header row with a delivery_id column and at least one row' }] });
    }
    return records.map((r) => r.delivery_id ?? '');
  }
  if (type !== 'application/json') throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'content-type', message: 'send application/json or text/csv' }] });
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError('malformed_json', 'The body is not valid JSON.');
  }
  const parsed = returnedBody.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: parsed.error.issues.map((i) => ({ field: i.path.join('.').replace(/\.(\d+)/g, '[$1]') || '(body)', message: i.message })) });
  }
  return parsed.data.delivery_ids;
}

export const letterRoutes = createRouter()
  .openapi(createRoute, async (c) => {
    const { db, clock, logger, letters } = c.var.services;
    const id = c.req.valid('param').id;
    if (!letters.pdf) throw new ApiError('not_ready', 'This runtime cannot render letters: run letter batches on a Node process.');
    const made = await createBatch(db, letters, id, actorOf(c.var.principal), clock.now());
    // Rendering goes on after the answer; its progress is on the batch.
    for (const b of [...(made.batch ? [made.batch] : []), ...made.restarted]) {
      void renderBatch({ db, letters, logger, now: () => clock.now() }, id, b.id).catch((err) => logger.error({ err, batch_id: b.id }, 'letter batch rendering failed'));
    }
    return c.json({ batch: made.batch ? batchJson(made.batch) : null, restarted: made.restarted.map(batchJson) }, 202);
  })
  .openapi(listRoute, async (c) => c.json({ data: (await listBatches(c.var.services.db, c.req.valid('param').id)).map(batchJson) }, 200))
  .openapi(getRoute, async (c) => {
    const { id, batch } = c.req.valid('param');
    return c.json(batchJson(await getBatch(c.var.services.db, id, batch)), 200);
  })
  .openapi(pdfRoute, async (c) => {
    const { id, batch } = c.req.valid('param');
    const found = await batchPdf(c.var.services.db, id, batch);
    const iterator = found.pieces[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'application/pdf',
        'content-length': String(found.batch.pdf_bytes),
        'content-disposition': `attachment; filename="${found.batch.id}.pdf"`,
        etag: `"${found.batch.pdf_sha256}"`,
      },
    }) as never;
  })
  .openapi(manifestRoute, async (c) => {
    const { id, batch } = c.req.valid('param');
    const found = await batchManifest(c.var.services.db, id, batch);
    return c.body(found.csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${found.batch.id}-manifest.csv"`,
      etag: `"${found.batch.manifest_sha256}"`,
    }) as never;
  })
  .openapi(handoverRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, batch } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(batchJson(await handOverBatch(db, id, batch, { takenBy: body.taken_by, takenAt: body.taken_at ?? null }, actorOf(c.var.principal), clock.now())), 200);
  })
  .openapi(lobRoute, async (c) => {
    const { db, clock, logger, letters, config } = c.var.services;
    if (!letters.pdf) throw new ApiError('not_ready', 'This runtime cannot render letters: send them from a Node process.');
    const report = await sendLettersThroughLob(
      { db, letters, logger, now: () => clock.now(), owner: `lob-${crypto.randomUUID()}`, leaseMs: config.DELIVERY_LEASE_MS },
      c.req.valid('param').id,
      actorOf(c.var.principal),
    );
    return c.json(report, 200);
  })
  .openapi(returnedRoute, async (c) => {
    const { db, clock } = c.var.services;
    const id = c.req.valid('param').id;
    const ids = await returnedIds(c as unknown as Context<AppEnv>);
    return c.json(await recordReturnedLetters(db, id, ids, actorOf(c.var.principal), clock.now()), 200);
  });
