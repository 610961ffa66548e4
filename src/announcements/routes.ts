// HTTP routes for a responder to draft, publish and update an incident's public announcement.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf } from '../http/openapi.js';
import { iso } from '../lib/schema.js';
import { getIncident } from '../incidents/service.js';
import { localizedText } from '../notices/content.js';
import { addUpdate, getAnnouncement, publishAnnouncement, type AnnouncementView } from './service.js';
import { announcementPreviewHtml, draftFromApprovedNotice } from './compose.js';
import { impacts, updateStatuses } from './store.js';
import { pageLocales } from './views.js';


const viewSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    slug: z.string(),
    public_url: z.string(),
    impact: z.enum(impacts),
    title: z.record(z.string(), z.string()),
    published_at: z.string().nullable(),
    drill: z.boolean().openapi({ description: "A drill's announcement is never public: it shows only on the authenticated preview (`preview_url`)." }),
    preview_url: z.string(),
    updates: z.array(
      z.object({ seq: z.number().int(), status: z.enum(updateStatuses), body: z.record(z.string(), z.string()), created_at: z.string(), published_at: z.string().nullable() }),
    ),
  })
  .openapi('Announcement');

const view = (v: AnnouncementView, baseUrl: string, drill: boolean) => ({
  id: v.announcement.id,
  incident_id: v.announcement.incident_id,
  slug: v.announcement.slug,
  public_url: `${baseUrl}/status/${v.announcement.slug}`,
  drill,
  preview_url: `${baseUrl}/v1/incidents/${v.announcement.incident_id}/announcement/preview`,
  impact: v.announcement.impact,
  title: v.announcement.title,
  published_at: iso(v.announcement.published_at),
  updates: v.updates.map((u) => ({ seq: u.seq, status: u.status, body: u.body, created_at: iso(u.created_at)!, published_at: iso(u.published_at) })),
});

export const draftBody = z.strictObject({
  impact: z.enum(impacts).default('major'),
  status: z.enum(updateStatuses).default('investigating'),
  title: localizedText(200).optional().openapi({ description: 'Defaults to the notice headline in each language.' }),
});

export const updateBody = z.strictObject({ status: z.enum(updateStatuses), body: localizedText(8000), draft: z.boolean().default(false) });

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
          schema: draftBody,
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
      content: { 'application/json': { schema: updateBody } },
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

const previewRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/announcement/preview',
  operationId: 'previewAnnouncement',
  tags: ['Announcements'],
  summary: "The announcement page as it would look, drafts included; a drill's announcement shows only here",
  roles: readRoles,
  request: {
    params: incidentParams,
    query: z.object({ lang: z.enum(pageLocales).optional().openapi({ description: 'Page language; English by default.' }) }),
  },
  responses: { 200: { description: 'The page (HTML)', content: { 'text/html': { schema: z.string() } } }, ...notFoundResponse },
});

export const announcementRoutes = createRouter()
  .openapi(draftRoute, async (c) => {
    const { db, clock, publicPage } = c.var.services;
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const incident = await getIncident(db, id);
    const v = await draftFromApprovedNotice(c.var.services, id, body, actorOf(c.var.principal), clock.now());
    return c.json(view(v, publicPage.baseUrl, incident.drill), 201);
  })
  .openapi(publishRoute, async (c) => {
    const { db, clock, publicPage } = c.var.services;
    const id = c.req.valid('param').id;
    const v = await publishAnnouncement(db, id, actorOf(c.var.principal), clock.now());
    publicPage.cache.invalidate();
    return c.json(view(v, publicPage.baseUrl, (await getIncident(db, id)).drill), 200);
  })
  .openapi(updateRoute, async (c) => {
    const { db, clock, publicPage } = c.var.services;
    const body = c.req.valid('json');
    const id = c.req.valid('param').id;
    const v = await addUpdate(db, id, body, actorOf(c.var.principal), clock.now());
    publicPage.cache.invalidate();
    return c.json(view(v, publicPage.baseUrl, (await getIncident(db, id)).drill), 201);
  })
  .openapi(getRoute, async (c) => {
    const { db, publicPage } = c.var.services;
    const id = c.req.valid('param').id;
    return c.json(view(await getAnnouncement(db, id), publicPage.baseUrl, (await getIncident(db, id)).drill), 200);
  })
  .openapi(previewRoute, async (c) => {
    const html = await announcementPreviewHtml(c.var.services, c.req.valid('param').id, c.req.valid('query').lang ?? 'en');
    c.header('cache-control', 'no-store');
    c.header('x-robots-tag', 'noindex');
    return c.html(html, 200);
  });
