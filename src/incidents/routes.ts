// HTTP routes for incidents and their timeline.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf, problemDoc } from '../http/openapi.js';
import { ApiError } from '../http/errors.js';
import { canonicalJson, sha256Hex } from '../lib/hash.js';
import { listQuery } from '../lib/schema.js';
import { runOnce } from '../idempotency/service.js';
import { incidentWithChecklist, runbooksOpenedWith } from '../runbooks/service.js';
import { statuses } from './lifecycle.js';
import { severities } from './vocabulary.js';
import { createIncidentBody, incidentJson, incidentSchema, patchIncidentBody, timelineSchema, type IncidentJson } from './schema.js';
import { getTimeline, listIncidents, openIncident } from './service.js';
import { changeIncident } from './change.js';
import { StaleVersionError } from '../errors.js';

const etag = (version: number) => `"${version}"`;

const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(500)
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1))
    .optional();

const cursorCodec = {
  encode: (c: { created_at: Date; id: string }) => btoa(JSON.stringify([c.created_at.toISOString(), c.id])).replace(/=+$/, ''),
  decode(s: string): { created_at: Date; id: string } {
    try {
      const [at, id] = JSON.parse(atob(s)) as [string, string];
      const created_at = new Date(at);
      if (typeof id !== 'string' || Number.isNaN(created_at.getTime())) throw new Error('bad cursor');
      return { created_at, id };
    } catch {
      throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'query.cursor', message: 'is not a cursor this API gave out' }] });
    }
  },
};

const createRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents',
  operationId: 'createIncident',
  tags: ['Incidents'],
  summary: 'Open an incident',
  description: 'Send `Idempotency-Key` to make retries safe: the same key and body replay the first response; the same key with another body is refused with 422.',
  roles: ['responder'],
  request: {
    headers: z.object({ 'idempotency-key': z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII').optional() }),
    body: { required: true, content: { 'application/json': { schema: createIncidentBody } } },
  },
  responses: {
    201: { description: 'Opened', content: { 'application/json': { schema: incidentSchema } } },
    422: problemDoc('Facts that cannot be true together, or an Idempotency-Key reused with another body'),
  },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents',
  operationId: 'listIncidents',
  tags: ['Incidents'],
  summary: 'List incidents, newest first',
  roles: readRoles,
  request: {
    query: z.object({
      status: listOf(statuses).openapi({ description: 'One status or several, comma-separated.' }),
      severity: listOf(severities),
      drill: z.enum(['true', 'false']).optional(),
      ...listQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of incidents',
      content: { 'application/json': { schema: z.object({ data: z.array(incidentSchema), next_cursor: z.string().nullable() }) } },
    },
  },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}',
  operationId: 'getIncident',
  tags: ['Incidents'],
  summary: 'Read an incident (its ETag is the version PATCH needs)',
  roles: readRoles,
  request: { params: incidentParams },
  responses: {
    200: {
      description: 'The incident, with its overdue checklist steps',
      content: {
        'application/json': {
          schema: incidentSchema.extend({ overdue_steps: z.array(z.object({ step_id: z.string(), text: z.string(), role: z.string(), due_at: z.string() })) }),
        },
      },
    },
    ...notFoundResponse,
  },
});

const patchRoute = authedRoute({
  method: 'patch',
  path: '/v1/incidents/{id}',
  operationId: 'updateIncident',
  tags: ['Incidents'],
  summary: 'Change facts or move the status',
  description:
    'Send the version you read as `If-Match` (its ETag, e.g. `"3"`); if someone changed the incident since, or the tag is not the current one, the answer is 412 and nothing is written. `If-Match: *` changes whatever version is current.',
  roles: ['responder'],
  request: {
    params: incidentParams,
    headers: z.object({ 'if-match': z.string().max(1000).optional() }),
    body: { required: true, content: { 'application/json': { schema: patchIncidentBody } } },
  },
  responses: {
    200: { description: 'The changed incident', content: { 'application/json': { schema: incidentSchema } } },
    ...notFoundResponse,
    ...conflictResponse,
    412: problemDoc('If-Match names no entity tag that is the current version'),
    422: problemDoc('Facts that cannot be true together'),
    428: problemDoc('If-Match is missing'),
  },
});

const timelineRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/timeline',
  operationId: 'getIncidentTimeline',
  tags: ['Incidents'],
  summary: 'The hash-chained timeline and its verification',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Events, oldest first, and whether the chain is intact', content: { 'application/json': { schema: timelineSchema } } }, ...notFoundResponse },
});

/** What If-Match asks for: any current version (`*`), or one of the listed entity tags. */
type IfMatch = { any: true } | { any: false; tags: string[] };

function parseIfMatch(header: string | undefined): IfMatch {
  if (!header) throw new ApiError('precondition_required', 'Send If-Match with the version (ETag) you read, so concurrent edits cannot overwrite each other.');
  if (header.trim() === '*') return { any: true };
  // RFC 9110 §13.1.1: a list of entity tags, compared strongly (a weak tag never matches).
  return { any: false, tags: header.split(',').map((t) => t.trim()) };
}

/** The version the caller may change, or 412 with the current one (RFC 9110 §13.1.1: no match is 412). */
function matchedVersion(ifMatch: IfMatch, current: number): number {
  if (ifMatch.any || ifMatch.tags.includes(etag(current))) return current;
  throw new StaleVersionError(current);
}

export const incidentRoutes = createRouter()
  .openapi(createRoute, async (c) => {
    const { db, clock } = c.var.services;
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const principal = c.var.principal;
    const open = async (outer: typeof db) => {
      const now = clock.now();
      const actor = actorOf(principal);
      // The runbooks written for this nature become the incident's checklist in the same statement.
      const incident = await openIncident(outer, body, actor, now, runbooksOpenedWith(c.var.services.runbooks, body.nature, actor, now));
      return { status: 201, body: incidentJson(incident) };
    };
    const result = key
      ? await runOnce<IncidentJson>(db, { principalId: principal.keyId, route: 'POST /v1/incidents', key, requestHash: sha256Hex(canonicalJson(body)), now: clock.now() }, open)
      : { ...(await open(db)), replayed: false };
    if (result.replayed) c.header('idempotent-replayed', 'true');
    c.header('etag', etag(result.body.version));
    c.header('location', `/v1/incidents/${result.body.id}`);
    return c.json(result.body, 201);
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listIncidents(c.var.services.db, {
      statuses: q.status,
      severities: q.severity,
      drill: q.drill === undefined ? undefined : q.drill === 'true',
      after: q.cursor ? cursorCodec.decode(q.cursor) : undefined,
      limit: q.limit,
    });
    return c.json({ data: page.incidents.map(incidentJson), next_cursor: page.next ? cursorCodec.encode(page.next) : null }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { db, runbooks, clock } = c.var.services;
    const { incident, items } = await incidentWithChecklist(db, runbooks, c.req.valid('param').id, clock.now());
    const overdue = items.filter((s) => s.overdue);
    c.header('etag', etag(incident.version));
    return c.json({ ...incidentJson(incident), overdue_steps: overdue.map((s) => ({ step_id: s.step_id, text: s.text, role: s.role, due_at: s.due_at!.toISOString() })) }, 200);
  })
  .openapi(patchRoute, async (c) => {
    const { db, clock } = c.var.services;
    const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
    const incident = await changeIncident(db, c.req.valid('param').id, c.req.valid('json'), (current) => matchedVersion(ifMatch, current), actorOf(c.var.principal), clock.now(), c.var.services.transitionGuards);
    c.header('etag', etag(incident.version));
    return c.json(incidentJson(incident), 200);
  })
  .openapi(timelineRoute, async (c) => {
    const id = c.req.valid('param').id;
    const { events, verification } = await getTimeline(c.var.services.db, id);
    return c.json(
      {
        incident_id: id,
        events: events.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, type: e.type, data: e.data, prev_hash: e.prev_hash, hash: e.hash })),
        verification,
      },
      200,
    );
  });
