// HTTP routes for delivery runs: start (plan), watch, pause/resume/cancel, and check the no-lost-notice invariant.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf } from '../http/openapi.js';
import { idParam, iso } from '../lib/schema.js';
import { inappModes } from '../notices/content.js';
import { streamSSE } from 'hono/streaming';
import { announcementRequirement, checkInvariant, controlRun, listRuns, startDeliveries, type RunProgress, type RunRow } from './service.js';


const runSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    notice_version_id: z.string(),
    snapshot_id: z.string(),
    status: z.enum(['running', 'paused', 'cancelled', 'completed']),
    planned: z.number().int(),
    announcement_only: z.number().int().openapi({ description: 'People no individual channel reaches: the public announcement covers them.' }),
    created_at: z.string(),
    channel_order: z.array(z.string()).openapi({ description: 'The channel order this run was planned with; fallback on a permanent failure follows it.' }),
    inapp: z.enum(inappModes).openapi({ description: "From the notice version: in-app as one channel of the order, or in addition to each person's first channel." }),
    counts: z.array(z.object({ channel: z.string(), state: z.string(), n: z.number().int() })).optional(),
    rate_per_second: z.number().optional(),
    remaining: z.number().int().optional(),
    eta_seconds: z.number().int().nullable().optional(),
    announcement: z
      .object({ required: z.boolean(), reasons: z.array(z.string()) })
      .optional()
      .openapi({ description: 'Whether a public announcement is required (people no individual notice reaches), and why.' }),
  })
  .openapi('DeliveryRun');

const runJson = (r: RunRow & Partial<RunProgress>) => ({
  id: r.id,
  incident_id: r.incident_id,
  notice_version_id: r.notice_version_id,
  snapshot_id: r.snapshot_id,
  status: r.status,
  planned: r.planned,
  announcement_only: r.announcement_only,
  created_at: iso(r.created_at)!,
  channel_order: r.channel_order,
  inapp: r.inapp,
  ...(r.counts ? { counts: r.counts, rate_per_second: r.rate_per_second, remaining: r.remaining, eta_seconds: r.eta_seconds } : {}),
});

const startRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/deliveries',
  tags: ['Delivery'],
  summary: 'Send the newest approved notice to everyone in the current snapshot (plans the ledger; safe to repeat)',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: { 201: { description: 'The run', content: { 'application/json': { schema: runSchema } } }, ...notFoundResponse, ...conflictResponse },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries',
  tags: ['Delivery'],
  summary: 'Delivery runs with counts by channel and state',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Runs', content: { 'application/json': { schema: z.object({ data: z.array(runSchema) }) } } }, ...notFoundResponse },
});

const streamRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries/stream',
  tags: ['Delivery'],
  summary: 'The same as GET …/deliveries, as server-sent events every two seconds until the runs finish',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'text/event-stream of `progress` events', content: { 'text/event-stream': { schema: z.string() } } }, ...notFoundResponse },
});

const controlRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/deliveries/{run}/{action}',
  tags: ['Delivery'],
  summary: 'Pause, resume or cancel a run',
  roles: ['responder'],
  request: {
    params: z.object({
      id: idParam('id', 'inc'),
      run: idParam('run', 'run'),
      action: z.enum(['pause', 'resume', 'cancel']).openapi({ param: { name: 'action', in: 'path' } }),
    }),
  },
  responses: { 200: { description: 'The run', content: { 'application/json': { schema: runSchema } } }, ...notFoundResponse, ...conflictResponse },
});

const checkRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries/check',
  tags: ['Delivery'],
  summary: 'Is every affected person reached, or covered by a published announcement, with nothing stuck?',
  roles: readRoles,
  request: { params: incidentParams },
  responses: {
    200: {
      description: 'The invariant',
      content: {
        'application/json': {
          schema: z.object({
            ok: z.boolean(),
            people: z.number().int(),
            reached: z.number().int(),
            in_flight: z.number().int(),
            covered_by_announcement: z.number().int(),
            uncovered: z.number().int(),
            stuck_sending: z.number().int(),
            announcement_published: z.boolean(),
          }),
        },
      },
    },
    ...notFoundResponse,
  },
});

export const deliveryRoutes = createRouter()
  .openapi(startRoute, async (c) => {
    const { db, clock, config } = c.var.services;
    const id = c.req.valid('param').id;
    const run = await startDeliveries(db, id, actorOf(c.var.principal), clock.now(), config.DELIVERY_CHANNEL_ORDER);
    return c.json({ ...runJson(run), announcement: await announcementRequirement(db, id, config.ANNOUNCEMENT_THRESHOLD) }, 201);
  })
  .openapi(listRoute, async (c) => c.json({ data: (await listRuns(c.var.services.db, c.req.valid('param').id, c.var.services.clock.now())).map(runJson) }, 200))
  .openapi(streamRoute, async (c) => {
    const { db, clock } = c.var.services;
    const id = c.req.valid('param').id;
    await listRuns(db, id, clock.now());
    return streamSSE(c, async (stream) => {
      // One event every two seconds until every run is finished or the reader goes away.
      for (let tick = 0; !stream.aborted; tick++) {
        const runs = await listRuns(db, id, clock.now());
        await stream.writeSSE({ event: 'progress', id: String(tick), data: JSON.stringify({ data: runs.map(runJson) }) });
        if (runs.every((r) => r.status !== 'running' || r.remaining === 0)) break;
        await stream.sleep(2000);
      }
    }) as never;
  })
  .openapi(checkRoute, async (c) => c.json(await checkInvariant(c.var.services.db, c.req.valid('param').id, c.var.services.clock.now()), 200))
  .openapi(controlRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, run, action } = c.req.valid('param');
    return c.json(runJson(await controlRun(db, id, run, action, actorOf(c.var.principal), clock.now())), 200);
  });
