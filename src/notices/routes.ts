// HTTP routes for notices: preview, freeze a version, approve it (by a second person), read versions.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf, problemDoc } from '../http/openapi.js';
import { idParam, iso, label } from '../lib/schema.js';
import { findAffectedPerson } from '../affected/service.js';
import { inappModes, noticeContent } from './content.js';
import { noticeChannels, type RecipientView } from './renderer.js';
import { approveNotice, freezeNotice, getNotice, listNotices, previewNotice, type NoticeVersionRow } from './service.js';

const versionParams = z.object({
  id: idParam('id', 'inc'),
  version: z.coerce.number().int().min(1).max(1_000_000).openapi({ param: { name: 'version', in: 'path' } }),
});

const renderedSchema = z
  .object({
    channel: z.enum(noticeChannels),
    locale: z.string(),
    subject: z.string().optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    sms: z.object({ encoding: z.enum(['GSM-7', 'UCS-2']), parts: z.number().int(), characters: z.number().int() }).optional(),
  })
  .openapi('RenderedNotice');

const versionSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    version: z.number().int(),
    status: z.enum(['awaiting_approval', 'approved']),
    content: noticeContent,
    inapp: z.enum(inappModes),
    content_hash: z.string(),
    templates_hash: z.string(),
    rendered_hashes: z.record(z.string(), z.string()),
    drafted_by: z.string(),
    drafted_by_name: z.string(),
    drafted_at: z.string(),
    approved_by: z.string().nullable(),
    approved_by_name: z.string().nullable(),
    approved_at: z.string().nullable(),
  })
  .openapi('NoticeVersion');

const versionJson = (v: NoticeVersionRow) => ({ ...v, drafted_at: iso(v.drafted_at)!, approved_at: iso(v.approved_at) });

const previewRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/notices/preview',
  operationId: 'previewNotice',
  tags: ['Notices'],
  summary: 'Render draft content for one channel and language, for a sample or a real affected recipient',
  roles: ['responder', 'approver'],
  request: {
    params: incidentParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            content: noticeContent,
            channel: z.enum(noticeChannels),
            locale: z.string().max(35).nullable().default(null).openapi({ description: 'BCP 47; falls back along the configured chain.' }),
            recipient: z
              .union([
                z.strictObject({ external_id: label }),
                z.strictObject({ sample: z.strictObject({ name: label.nullable().default(null), is_guardian: z.boolean().default(false) }) }),
              ])
              .optional(),
          }),
        },
      },
    },
  },
  responses: { 200: { description: 'The rendering', content: { 'application/json': { schema: renderedSchema } } }, ...notFoundResponse, 422: problemDoc('The content cannot be rendered (e.g. an SMS too long)') },
});

const freezeBody = z.strictObject({
  content: noticeContent,
  inapp: z.enum(inappModes).default('in_order').openapi({
    description: 'In-app notices: `in_order` — one channel where DELIVERY_CHANNEL_ORDER puts it; `additional` — to everyone with an app account, beside their first channel. Frozen with the version.',
  }),
});

const freezeRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/notices',
  operationId: 'freezeNoticeVersion',
  tags: ['Notices'],
  summary: 'Freeze content as the next notice version (it then needs a second person to approve it)',
  roles: ['responder'],
  request: { params: incidentParams, body: { required: true, content: { 'application/json': { schema: freezeBody } } } },
  responses: { 201: { description: 'The frozen version', content: { 'application/json': { schema: versionSchema } } }, ...notFoundResponse, 422: problemDoc('The content cannot be rendered') },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/notices',
  operationId: 'listNoticeVersions',
  tags: ['Notices'],
  summary: 'All notice versions of the incident',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Versions, oldest first', content: { 'application/json': { schema: z.object({ data: z.array(versionSchema) }) } } }, ...notFoundResponse },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/notices/{version}',
  operationId: 'getNoticeVersion',
  tags: ['Notices'],
  summary: 'One notice version',
  roles: readRoles,
  request: { params: versionParams },
  responses: { 200: { description: 'The version', content: { 'application/json': { schema: versionSchema } } }, ...notFoundResponse },
});

const approveRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/notices/{version}/approve',
  operationId: 'approveNoticeVersion',
  tags: ['Notices'],
  summary: 'Approve a frozen version (not by the person who froze it)',
  roles: ['approver'],
  request: { params: versionParams },
  responses: { 200: { description: 'Approved', content: { 'application/json': { schema: versionSchema } } }, ...notFoundResponse, ...conflictResponse },
});

export const noticeRoutes = createRouter()
  .openapi(previewRoute, async (c) => {
    const { db, notices } = c.var.services;
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    let recipient: RecipientView | null = null;
    if (body.recipient && 'external_id' in body.recipient) {
      const person = await findAffectedPerson(db, id, body.recipient.external_id);
      recipient = { name: person.recipient_name, isGuardian: person.recipient === 'guardian', locale: person.locale };
    } else if (body.recipient) {
      recipient = { name: body.recipient.sample.name, isGuardian: body.recipient.sample.is_guardian, locale: body.locale };
    }
    const rendered = await previewNotice(db, notices, id, { content: body.content, channel: body.channel, locale: body.locale ?? recipient?.locale ?? null, recipient });
    return c.json(rendered, 200);
  })
  .openapi(freezeRoute, async (c) => {
    const { db, clock, notices } = c.var.services;
    const body = c.req.valid('json');
    const row = await freezeNotice(db, notices, c.req.valid('param').id, body.content, actorOf(c.var.principal), clock.now(), body.inapp);
    return c.json(versionJson(row), 201);
  })
  .openapi(listRoute, async (c) => {
    const rows = await listNotices(c.var.services.db, c.req.valid('param').id);
    return c.json({ data: rows.map(versionJson) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { id, version } = c.req.valid('param');
    return c.json(versionJson(await getNotice(c.var.services.db, id, version)), 200);
  })
  .openapi(approveRoute, async (c) => {
    const { db, clock, notices } = c.var.services;
    const { id, version } = c.req.valid('param');
    const row = await approveNotice(db, id, version, actorOf(c.var.principal), clock.now(), notices.renderer.templatesHash);
    return c.json(versionJson(row), 200);
  });
