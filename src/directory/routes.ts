// HTTP routes for the directory mirror: streaming bulk imports, their progress and their rejected lines.
import { z } from '@hono/zod-openapi';
import { authedRoute, createRouter, notFoundResponse, problemDoc, unsupportedMediaTypeResponse } from '../http/openapi.js';
import { ApiError } from '../http/errors.js';
import { idParam, iso } from '../lib/schema.js';
import { getImport, listImports, pageRejects, type ImportRow } from './service.js';
import { importUpload } from './upload.js';

const importSchema = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    format: z.string(),
    source_name: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    progress_at: z.string(),
    lines_read: z.number().int(),
    lines_imported: z.number().int(),
    lines_rejected: z.number().int(),
    bytes_read: z.number(),
    rejects_stored: z.number().int().openapi({ description: 'Rejected lines kept for download; beyond the cap they are only counted in lines_rejected.' }),
    failure: z.string().nullable(),
    rejects_url: z.string(),
  })
  .openapi('DirectoryImport');

const importJson = (r: ImportRow) => ({
  id: r.id,
  status: r.status,
  format: r.format,
  source_name: r.source_name,
  started_at: iso(r.started_at)!,
  finished_at: iso(r.finished_at),
  progress_at: iso(r.progress_at)!,
  lines_read: r.lines_read,
  lines_imported: r.lines_imported,
  lines_rejected: r.lines_rejected,
  bytes_read: r.bytes_read,
  rejects_stored: r.rejects_stored,
  failure: r.failure,
  rejects_url: `/v1/directory/imports/${r.id}/rejects`,
});

const formats = { ndjson: 'ndjson', csv: 'csv' } as const;

function formatOf(contentType: string | undefined, query: string | undefined): 'ndjson' | 'csv' {
  if (query) return formats[query as keyof typeof formats];
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  throw new ApiError('unsupported_media_type', 'Send the directory as NDJSON (application/x-ndjson) or CSV (text/csv), optionally gzipped, or name it with ?format=.');
}

const createImport = authedRoute({
  method: 'post',
  path: '/v1/directory/imports',
  operationId: 'createDirectoryImport',
  tags: ['Directory'],
  summary: 'Import users (NDJSON or CSV, gzip accepted), upserting by external id',
  description:
    'The body is streamed: a file of any size is read line by line, valid lines are stored in batches as they come, and rejected lines are kept with their line number, field and reason (up to IMPORT_MAX_STORED_REJECTS per import; the rest are counted). Watch the progress with GET /v1/directory/imports/{id} (listed at once in GET /v1/directory/imports). An upload that is cut short, unpacks beyond the limits, or whose client goes away stops the import: it is marked failed with the reason, and the lines before were kept.',
  roles: ['responder'],
  request: {
    query: z.object({
      format: z.enum(['ndjson', 'csv']).optional(),
      name: z.string().max(200).optional().openapi({ description: 'The file name, for the record.' }),
    }),
    body: { required: true, content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } },
  },
  responses: {
    201: { description: 'The finished import', content: { 'application/json': { schema: importSchema } } },
    ...unsupportedMediaTypeResponse,
    503: problemDoc('The server stopped during the upload; the import is marked failed'),
  },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/directory/imports',
  operationId: 'listDirectoryImports',
  tags: ['Directory'],
  summary: 'Recent imports, running ones included',
  roles: ['responder'],
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }) },
  responses: { 200: { description: 'Imports, newest first', content: { 'application/json': { schema: z.object({ data: z.array(importSchema) }) } } } },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/directory/imports/{id}',
  operationId: 'getDirectoryImport',
  tags: ['Directory'],
  summary: 'One import and its progress',
  roles: ['responder'],
  request: { params: z.object({ id: idParam('id', 'imp') }) },
  responses: { 200: { description: 'The import', content: { 'application/json': { schema: importSchema } } }, ...notFoundResponse },
});

const rejectsRoute = authedRoute({
  method: 'get',
  path: '/v1/directory/imports/{id}/rejects',
  operationId: 'listDirectoryImportRejects',
  tags: ['Directory'],
  summary: 'Download the rejected lines: NDJSON of {line, problems, raw}',
  roles: ['responder'],
  request: { params: z.object({ id: idParam('id', 'imp') }) },
  responses: { 200: { description: 'One JSON object per rejected line', content: { 'application/x-ndjson': { schema: z.string() } } }, ...notFoundResponse },
});

export const directoryRoutes = createRouter()
  .openapi(createImport, async (c) => {
    const q = c.req.valid('query');
    const format = formatOf(c.req.header('content-type'), q.format);
    const body = c.req.raw.body;
    if (!body) throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: '(body)', message: 'the file is empty' }] });
    const report = await importUpload(c.var.services, { body, format, sourceName: q.name ?? null, actorId: c.var.principal.keyId, clientSignal: c.req.raw.signal });
    return c.json(importJson(report), 201);
  })
  .openapi(listRoute, async (c) => {
    const rows = await listImports(c.var.services.db, c.req.valid('query').limit);
    return c.json({ data: rows.map(importJson) }, 200);
  })
  .openapi(getRoute, async (c) => c.json(importJson(await getImport(c.var.services.db, c.req.valid('param').id)), 200))
  .openapi(rejectsRoute, async (c) => {
    const { db } = c.var.services;
    const imp = await getImport(db, c.req.valid('param').id);
    let after = 0;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const rows = await pageRejects(db, imp.id, after, 1000);
        if (rows.length === 0) return controller.close();
        after = rows.at(-1)!.line;
        controller.enqueue(encoder.encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
      },
    });
    return c.body(stream, 200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': `attachment; filename="${imp.id}-rejects.ndjson"` }) as never;
  });
