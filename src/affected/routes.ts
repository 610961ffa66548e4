// HTTP routes for an incident's scope and its affected snapshots.
import { z } from '@hono/zod-openapi';
import { authedRoute, createRouter, notFoundResponse, readRoles, incidentParams, actorOf, problemDoc } from '../http/openapi.js';
import { ApiError } from '../http/errors.js';
import { idParam, iso } from '../lib/schema.js';
import { scopeBody, snapshotSchema, channels } from './schema.js';
import type { Db } from '../db/client.js';
import { personReaches, reachBases, snapshotReach, snapshotReachOfPeople, type PersonReach, type ReachCounts } from '../delivery/reach.js';
import { affectedCsv, affectedCsvHeaders, currentSnapshot, parseIdList, getScope, pagePeople, replaceScopeList, resolveSnapshot, setScope, type SnapshotRow, type AffectedPersonRow } from './service.js';


/**
 * A snapshot with its counts of reach as the delivery run and the check route give them: the summary's
 * `announcement_only` is that count too, not the one frozen from contact details alone.
 */
const snapshotJson = (s: SnapshotRow, reach: ReachCounts) => ({
  id: s.id,
  incident_id: s.incident_id,
  version: s.version,
  row_count: s.row_count,
  content_hash: s.content_hash,
  created_at: iso(s.created_at)!,
  created_by: s.created_by,
  scope: s.scope,
  summary: { ...s.summary, announcement_only: reach.announcement_only },
  reach,
});

const withReach = async (db: Db, s: SnapshotRow, channelOrder: readonly string[]) => snapshotJson(s, await snapshotReach(db, { incidentId: s.incident_id, snapshotId: s.id, channelOrder }));

const personSchema = z
  .object({
    external_id: z.string(),
    jurisdiction: z.string().nullable(),
    country: z.string().nullable(),
    subdivision: z.string().nullable(),
    account_status: z.string(),
    minor: z.boolean(),
    guardian_missing: z.boolean(),
    recipient: z.enum(['self', 'guardian']),
    recipient_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    postal_address: z.record(z.string(), z.unknown()).nullable(),
    locale: z.string().nullable(),
    channels: z.array(z.enum(channels)),
    channel_rejections: z
      .array(z.object({ channel: z.enum(channels), field: z.string(), reason: z.string() }))
      .openapi({ description: 'Channels refused when the snapshot was made, each naming the field at fault (e.g. postal_address.country).' }),
    reach: z.enum(personReaches).openapi({
      description:
        'Where the person stands in the counts of reach of the snapshot route, the delivery run and the check route (on the basis `reach_basis` names): reached, in flight, unknown, not planned yet, or announcement only.',
    }),
    announcement_only: z.boolean().openapi({
      description: 'No individual channel can reach this person (any more): the public announcement covers them. The people flagged number the snapshot’s `reach.announcement_only`.',
    }),
    reasons: z.object({ data_categories: z.array(z.string()), systems: z.array(z.string()), include_list: z.boolean() }),
  })
  .openapi('AffectedPerson');

/** A person as listed, with their class of reach (the frozen contact-details flag of the row is not shown). */
const personJson = (p: AffectedPersonRow, reach: PersonReach) => ({
  external_id: p.external_id,
  jurisdiction: p.jurisdiction,
  country: p.country,
  subdivision: p.subdivision,
  account_status: p.account_status,
  minor: p.minor,
  guardian_missing: p.guardian_missing,
  recipient: p.recipient,
  recipient_name: p.recipient_name,
  email: p.email,
  phone: p.phone,
  postal_address: p.postal_address,
  locale: p.locale,
  channels: p.channels as (typeof channels)[number][],
  channel_rejections: p.channel_rejections ?? [],
  reach,
  announcement_only: reach === 'announcement_only',
  reasons: { data_categories: p.matched_categories, systems: p.matched_systems, include_list: p.included_by_list },
});

const putScope = authedRoute({
  method: 'put',
  path: '/v1/incidents/{id}/scope',
  operationId: 'setScope',
  tags: ['Affected users'],
  summary: 'Set what the incident touched (data categories, systems, regions, time window, lists)',
  roles: ['responder'],
  request: { params: incidentParams, body: { required: true, content: { 'application/json': { schema: scopeBody } } } },
  responses: { 200: { description: 'The scope', content: { 'application/json': { schema: scopeBody } } }, ...notFoundResponse, 422: problemDoc('A scope that would match nobody') },
});

const getScopeRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/scope',
  operationId: 'getScope',
  tags: ['Affected users'],
  summary: 'Read the scope and the sizes of the uploaded lists',
  roles: readRoles,
  request: { params: incidentParams },
  responses: {
    200: { description: 'The scope', content: { 'application/json': { schema: z.object({ scope: scopeBody, lists: z.object({ include: z.number(), exclude: z.number() }) }) } } },
    ...notFoundResponse,
  },
});

const putList = authedRoute({
  method: 'put',
  path: '/v1/incidents/{id}/scope/lists/{list}',
  operationId: 'uploadScopeList',
  tags: ['Affected users'],
  summary: 'Upload an include or exclude list: one directory external id per line (replaces the previous list)',
  roles: ['responder'],
  request: {
    params: z.object({ id: idParam('id', 'inc'), list: z.enum(['include', 'exclude']).openapi({ param: { name: 'list', in: 'path' } }) }),
    body: { required: true, content: { 'text/plain': { schema: z.string().openapi({ example: 'u-1001\nu-1002\n' }) } } },
  },
  responses: { 200: { description: 'Stored', content: { 'application/json': { schema: z.object({ list: z.string(), ids: z.number().int() }) } } }, ...notFoundResponse },
});

const resolveRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/affected',
  operationId: 'resolveAffected',
  tags: ['Affected users'],
  summary: 'Resolve the scope into a new, frozen affected snapshot',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: { 201: { description: 'The new snapshot', content: { 'application/json': { schema: snapshotSchema } } }, ...notFoundResponse },
});

const summaryRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/affected',
  operationId: 'getAffectedSummary',
  tags: ['Affected users'],
  summary: 'The current snapshot and its totals (no personal data)',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'The current snapshot', content: { 'application/json': { schema: snapshotSchema } } }, ...notFoundResponse },
});

const usersRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/affected/users',
  operationId: 'listAffectedUsers',
  tags: ['Affected users'],
  summary: 'Page through the affected people of the current snapshot, with reasons and channels',
  roles: ['responder'],
  request: {
    params: incidentParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(300).optional() }),
  },
  responses: {
    200: {
      description: 'A page',
      content: { 'application/json': { schema: z.object({
            snapshot_id: z.string(),
            version: z.number(),
            reach_basis: z.enum(reachBases).openapi({ description: 'What each person’s `reach` rests on: the same basis as the snapshot’s `reach.basis`.' }),
            data: z.array(personSchema),
            next_cursor: z.string().nullable(),
          }) } },
    },
    ...notFoundResponse,
  },
});

const csvRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/affected.csv',
  operationId: 'exportAffectedCsv',
  tags: ['Affected users'],
  summary: 'Export the current snapshot as CSV',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: { 200: { description: 'CSV, one row per affected person', content: { 'text/csv': { schema: z.string() } } }, ...notFoundResponse },
});

const encodeCursor = (s: string) => btoa(unescape(encodeURIComponent(s)));
function decodeCursor(s: string): string {
  try {
    return decodeURIComponent(escape(atob(s)));
  } catch {
    throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'query.cursor', message: 'is not a cursor this API gave out' }] });
  }
}


export const affectedRoutes = createRouter()
  .openapi(putScope, async (c) => {
    const { db, clock } = c.var.services;
    const scope = await setScope(db, c.req.valid('param').id, c.req.valid('json'), actorOf(c.var.principal), clock.now());
    return c.json(scope, 200);
  })
  .openapi(getScopeRoute, async (c) => {
    const found = await getScope(c.var.services.db, c.req.valid('param').id);
    if (!found) throw new ApiError('not_found', 'This incident has no scope yet; PUT one first.');
    return c.json(found, 200);
  })
  .openapi(putList, async (c) => {
    const { db, clock } = c.var.services;
    const { id, list } = c.req.valid('param');
    const text = await c.req.text();
    const { ids, tooLong } = parseIdList(text);
    if (tooLong !== null) throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: `body.line.${tooLong}`, message: 'an id longer than 200 characters' }] });
    const count = await replaceScopeList(db, id, list, ids, actorOf(c.var.principal), clock.now());
    return c.json({ list, ids: count }, 200);
  })
  .openapi(resolveRoute, async (c) => {
    const { db, clock } = c.var.services;
    const snap = await resolveSnapshot(db, c.req.valid('param').id, actorOf(c.var.principal), clock.now());
    return c.json(await withReach(db, snap, c.var.services.config.DELIVERY_CHANNEL_ORDER), 201);
  })
  .openapi(summaryRoute, async (c) => {
    const snap = await currentSnapshot(c.var.services.db, c.req.valid('param').id);
    return c.json(await withReach(c.var.services.db, snap, c.var.services.config.DELIVERY_CHANNEL_ORDER), 200);
  })
  .openapi(usersRoute, async (c) => {
    const { db } = c.var.services;
    const q = c.req.valid('query');
    const snap = await currentSnapshot(db, c.req.valid('param').id);
    const rows = await pagePeople(db, snap.id, q.cursor ? decodeCursor(q.cursor) : null, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const next = rows.length > q.limit ? encodeCursor(page.at(-1)!.external_id) : null;
    const reach = await snapshotReachOfPeople(db, { incidentId: snap.incident_id, snapshotId: snap.id, channelOrder: c.var.services.config.DELIVERY_CHANNEL_ORDER, externalIds: page.map((p) => p.external_id) });
    return c.json({ snapshot_id: snap.id, version: snap.version, reach_basis: reach.basis, data: page.map((p) => personJson(p, reach.people.get(p.external_id)!)), next_cursor: next }, 200);
  })
  .openapi(csvRoute, async (c) => {
    const { db } = c.var.services;
    const snap = await currentSnapshot(db, c.req.valid('param').id);
    return c.body(affectedCsv(db, snap, c.var.services.config.DELIVERY_CHANNEL_ORDER), 200, affectedCsvHeaders(snap)) as never;
  });
