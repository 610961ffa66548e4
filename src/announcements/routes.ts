// HTTP routes for a responder to draft, publish and update an incident's public announcement.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf } from '../http/openapi.js';
import { ApiError } from '../http/errors.js';
import { iso } from '../lib/schema.js';
import { getIncident } from '../incidents/service.js';
import { latestApprovedNotice } from '../notices/service.js';
import { localizedText, noticeLocales } from '../notices/content.js';
import { addUpdate, draftAnnouncement, getAnnouncement, publishAnnouncement, type AnnouncementView } from './service.js';
import { impacts, updateStatuses } from './store.js';


const viewSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    slug: z.string(),
    public_url: z.string(),
    impact: z.enum(impacts),
    title: z.record(z.string(), z.string()),
    published_at: z.string().nullable(),
    updates: z.array(
      z.object({ seq: z.number().int(), status: z.enum(updateStatuses), body: z.record(z.string(), z.string()), created_at: z.string(), published_at: z.string().nullable() }),
    ),
  })
  .openapi('Announcement');

const view = (v: AnnouncementView, baseUrl: string) => ({
  id: v.announcement.id,
  incident_id: v.announcement.incident_id,
  slug: v.announcement.slug,
  public_url: `${baseUrl}/status/${v.announcement.slug}`,
  impact: v.announcement.impact,
  title: v.announcement.title,
  published_at: iso(v.announcement.published_at),
  updates: v.updates.map((u) => ({ seq: u.seq, status: u.status, body: u.body, created_at: iso(u.created_at)!, published_at: iso(u.published_at) })),
});

const draftRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/announcement',
  operationId: 'draftAnnouncement',
  tags: ['Announcements'],
  summary: 'Draft the public announcement from the announcement templates and the approved notice',
  description: 'The text is rendered from the `announcement` templates with the newest approved notice version, in every notice language; it holds no personal data. Nothing is public until it is published.',
  roles: ['responder'],
  request: {
    params: incidentParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            impact: z.enum(impacts).default('major'),
            status: z.enum(updateStatuses).default('investigating'),
            title: localizedText(200).optional().openapi({ description: 'Defaults to the notice headline in each language.' }),
          }),
        },
      },
    },
  },
  responses: { 201: { description: 'The draft', content: { 'application/json': { schema: viewSchema } } }, ...notFoundResponse, ...conflictResponse },
});

const publishRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/announcement/publish',
  operationId: 'publishAnnouncement',
  tags: ['Announcements'],
  summary: 'Publish the announcement and its draft updates',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: { 200: { description: 'Published', content: { 'application/json': { schema: viewSchema } } }, ...notFoundResponse, ...conflictResponse },
});

const updateRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/announcement/updates',
  operationId: 'addAnnouncementUpdate',
  tags: ['Announcements'],
  summary: 'Append an update in every notice language (public at once once the announcement is published)',
  roles: ['responder'],
  request: {
    params: incidentParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ status: z.enum(updateStatuses), body: localizedText(8000), draft: z.boolean().default(false) }) } },
    },
  },
  responses: { 201: { description: 'The announcement with its updates', content: { 'application/json': { schema: viewSchema } } }, ...notFoundResponse },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/announcement',
  operationId: 'getAnnouncement',
  tags: ['Announcements'],
  summary: 'The announcement, drafts included',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'The announcement', content: { 'application/json': { schema: viewSchema } } }, ...notFoundResponse },
});

export const announcementRoutes = createRouter()
  .openapi(draftRoute, async (c) => {
    const { db, clock, notices, publicPage } = c.var.services;
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const incident = await getIncident(db, id);
    const approved = await latestApprovedNotice(db, id);
    if (!approved) throw new ApiError('conflict', 'Approve a notice version first: the announcement is written from it.');
    const rendered = Object.fromEntries(
      noticeLocales.map((locale) => [
        locale,
        notices.renderer.render({
          channel: 'announcement',
          locale,
          content: approved.content,
          recipient: null,
          links: { publicNotice: notices.publicNoticeUrl },
          incident: { title: incident.title, discoveredAt: incident.discovered_at },
        }).text ?? '',
      ]),
    );
    const title = body.title ?? Object.fromEntries(noticeLocales.map((l) => [l, approved.content.locales[l].headline]));
    const v = await draftAnnouncement(db, id, { impact: body.impact, status: body.status, title, body: rendered }, actorOf(c.var.principal), clock.now());
    return c.json(view(v, publicPage.baseUrl), 201);
  })
  .openapi(publishRoute, async (c) => {
    const { db, clock, publicPage } = c.var.services;
    const v = await publishAnnouncement(db, c.req.valid('param').id, actorOf(c.var.principal), clock.now());
    publicPage.cache.invalidate();
    return c.json(view(v, publicPage.baseUrl), 200);
  })
  .openapi(updateRoute, async (c) => {
    const { db, clock, publicPage } = c.var.services;
    const body = c.req.valid('json');
    const v = await addUpdate(db, c.req.valid('param').id, body, actorOf(c.var.principal), clock.now());
    publicPage.cache.invalidate();
    return c.json(view(v, publicPage.baseUrl), 201);
  })
  .openapi(getRoute, async (c) => {
    const { db, publicPage } = c.var.services;
    return c.json(view(await getAnnouncement(db, c.req.valid('param').id), publicPage.baseUrl), 200);
  });
