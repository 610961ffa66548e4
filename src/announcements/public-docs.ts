// The OpenAPI description of the public status-page routes, which are plain Hono handlers kept off the validated API path.
import { z, type RouteConfig } from '@hono/zod-openapi';
import { problemSchema } from '../http/openapi.js';

const timestamp = z.string().openapi({ format: 'date-time' });
/** Always empty here: breachkit has no components or maintenances. */
const none = z.array(z.object({})).max(0);
const impact = z.enum(['none', 'minor', 'major', 'critical']);
const updateStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved']);

const page = z
  .object({ id: z.string(), name: z.string(), url: z.string(), time_zone: z.string(), updated_at: timestamp })
  .openapi('StatuspagePage', { description: 'The page itself.' });

const pageStatus = z
  .object({ indicator: impact, description: z.string() })
  .openapi('StatuspageStatus', { description: 'The worst impact among unresolved announcements, in Statuspage words.' });

const incidentUpdate = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    status: updateStatus,
    body: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    display_at: timestamp,
    affected_components: none,
    deliver_notifications: z.boolean(),
  })
  .openapi('StatuspageIncidentUpdate');

const incident = z
  .object({
    id: z.string(),
    name: z.string(),
    status: updateStatus,
    impact,
    shortlink: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    started_at: timestamp,
    monitoring_at: timestamp.nullable(),
    resolved_at: timestamp.nullable(),
    page_id: z.string(),
    scheduled_for: z.null(),
    scheduled_until: z.null(),
    postmortem_body: z.null(),
    metadata: z.object({}),
    components: none,
    incident_updates: z.array(incidentUpdate),
  })
  .openapi('StatuspageIncident', { description: 'A published announcement, as Statuspage clients read an incident.' });

const statusDoc = z.object({ page, status: pageStatus }).openapi('StatuspageStatusDocument');
const summaryDoc = z
  .object({ page, components: none, incidents: z.array(incident), scheduled_maintenances: none, status: pageStatus })
  .openapi('StatuspageSummary');
const incidentsDoc = z.object({ page, incidents: z.array(incident) }).openapi('StatuspageIncidents');

const lang = z.object({
  lang: z
    .enum(['en', 'zh-CN'])
    .optional()
    .openapi({ description: 'Language of the document; without it, Accept-Language decides, then English.' }),
});

const cached = {
  ETag: { description: 'Strong entity tag; send it back as If-None-Match for a 304.', schema: { type: 'string' as const } },
  'Cache-Control': { description: 'Short public caching with stale-while-revalidate.', schema: { type: 'string' as const } },
};
const notModified = {
  304: { description: 'Unchanged since the entity tag sent in If-None-Match' },
  400: { description: 'A ?lang= the page is not published in (the problem names query.lang)', content: { 'application/problem+json': { schema: problemSchema } } },
};
const notFound = { 404: { description: 'No published announcement at this address', content: { 'text/plain': { schema: z.string() } } } };

const publicRoute = (r: Omit<RouteConfig, 'tags' | 'security' | 'request'> & { request?: RouteConfig['request'] }): RouteConfig => ({
  tags: ['Public status page'],
  security: [],
  ...r,
  request: { query: lang, ...r.request },
});

const jsonDoc = (path: string, operationId: string, summary: string, schema: z.ZodType, description: string) =>
  publicRoute({ method: 'get', path, operationId, summary, description, responses: { 200: { description, headers: cached, content: { 'application/json': { schema } } }, ...notModified } });

const xmlFeed = { schema: z.string().openapi({ description: 'The feed document.' }) };
const html = { schema: z.string().openapi({ description: 'The HTML page.' }) };

export const publicRouteDocs: RouteConfig[] = [
  jsonDoc('/api/v2/summary.json', 'getStatusSummary', 'Page status and unresolved announcements (Statuspage shape)', summaryDoc, 'The page, its overall status and every unresolved announcement with its updates.'),
  jsonDoc('/api/v2/status.json', 'getStatusIndicator', 'Overall page status (Statuspage shape)', statusDoc, 'The page and its overall status indicator.'),
  jsonDoc('/api/v2/incidents.json', 'listPublicAnnouncements', 'The 50 newest published announcements (Statuspage shape)', incidentsDoc, 'Published announcements, newest first, resolved ones included.'),
  jsonDoc('/api/v2/incidents/unresolved.json', 'listUnresolvedPublicAnnouncements', 'Published announcements not yet resolved (Statuspage shape)', incidentsDoc, 'Published announcements whose latest update is not resolved.'),
  publicRoute({
    method: 'get',
    path: '/history.atom',
    operationId: 'getAtomFeed',
    summary: 'Atom feed: one entry per published update',
    responses: { 200: { description: 'An Atom 1.0 feed', headers: cached, content: { 'application/atom+xml': xmlFeed } }, ...notModified },
  }),
  publicRoute({
    method: 'get',
    path: '/history.rss',
    operationId: 'getRssFeed',
    summary: 'RSS feed: one item per published update',
    responses: { 200: { description: 'An RSS 2.0 feed', headers: cached, content: { 'application/rss+xml': xmlFeed } }, ...notModified },
  }),
  publicRoute({
    method: 'get',
    path: '/status',
    operationId: 'getStatusPage',
    summary: 'The public page of security notices (HTML)',
    responses: { 200: { description: 'The page listing every published announcement', headers: cached, content: { 'text/html': html } }, ...notModified },
  }),
  publicRoute({
    method: 'get',
    path: '/status/{slug}',
    operationId: 'getAnnouncementPage',
    summary: 'One published announcement with its updates (HTML)',
    request: { params: z.object({ slug: z.string().regex(/^[a-z0-9]{8,32}$/).openapi({ description: 'The announcement\'s public slug.' }) }) },
    responses: { 200: { description: 'The announcement page', headers: cached, content: { 'text/html': html } }, ...notModified, ...notFound },
  }),
];
