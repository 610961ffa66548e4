// HTTP routes for delivery runs: start (plan), watch, pause/resume/cancel, and check the no-lost-notice invariant.
import { z } from '@hono/zod-openapi';
import { authedRoute, conflictResponse, createRouter, notFoundResponse, readRoles, incidentParams, actorOf } from '../http/openapi.js';
import { idParam, iso } from '../lib/schema.js';
import { inappModes } from '../notices/content.js';
import { progressStream, runJson } from './progress.js';
import {
  announcementRequirement,
  checkInvariant,
  controlRun,
  deliveryProof,
  listRuns,
  settleUnknown,
  startDeliveries,
  type DeliveryProof,
  type UnknownSettlement,
} from './service.js';
import { reachBases } from './reach.js';


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
    drill: z.boolean().openapi({ description: "The incident is a drill: every notice of the run is captured (provider `drill`), nothing is sent." }),
    channel_order: z.array(z.string()).openapi({ description: 'The channel order this run was planned with; fallback on a permanent failure follows it.' }),
    inapp: z.enum(inappModes).openapi({ description: "From the notice version: in-app as one channel of the order, or in addition to each person's first channel." }),
    counts: z.array(z.object({ channel: z.string(), state: z.string(), n: z.number().int() })).optional(),
    rate_per_second: z.number().optional(),
    remaining: z.number().int().optional(),
    unknown: z.number().int().optional().openapi({ description: 'Rows held after a send nobody could confirm, waiting to be settled.' }),
    eta_seconds: z.number().int().nullable().optional(),
    announcement: z
      .object({ required: z.boolean(), reasons: z.array(z.string()) })
      .optional()
      .openapi({ description: 'Whether a public announcement is required (people no individual notice reaches), and why.' }),
  })
  .openapi('DeliveryRun');

const startRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/deliveries',
  operationId: 'startDeliveryRun',
  tags: ['Delivery'],
  summary: 'Send the newest approved notice to everyone in the current snapshot (plans the ledger; safe to repeat)',
  roles: ['responder'],
  request: { params: incidentParams },
  responses: { 201: { description: 'The run', content: { 'application/json': { schema: runSchema } } }, ...notFoundResponse, ...conflictResponse },
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries',
  operationId: 'listDeliveryRuns',
  tags: ['Delivery'],
  summary: 'Delivery runs with counts by channel and state',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Runs', content: { 'application/json': { schema: z.object({ data: z.array(runSchema) }) } } }, ...notFoundResponse },
});

const streamRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries/stream',
  operationId: 'streamDeliveryProgress',
  tags: ['Delivery'],
  summary: 'The same as GET …/deliveries, as server-sent events every two seconds until the runs finish',
  description: 'Each `progress` event holds the runs. When the server stops, the stream ends with an `end` event (`{"reason":"server_stopping"}`): reconnect.',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'text/event-stream of `progress` events', content: { 'text/event-stream': { schema: z.string() } } }, ...notFoundResponse },
});

const controlRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/deliveries/{run}/{action}',
  operationId: 'controlDeliveryRun',
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

const checkSchema = z
  .object({
    reach_basis: z.enum(reachBases).openapi({ description: "What the counts rest on: `runs` (the snapshot's runs), `next_run` (no run yet: DELIVERY_CHANNEL_ORDER and the newest approved notice's in-app mode, what starting the run now plans), `next_run_inapp_unknown` (no approved notice yet: in-app counted only where the order names it)." }),
    ok: z.boolean(),
    people: z.number().int(),
    reached: z.number().int(),
    in_flight: z.number().int().openapi({ description: 'People with a notice queued or being sent, none reached yet.' }),
    unknown: z.number().int().openapi({ description: 'People whose open notice is held after a send nobody could confirm (DELIVERY_UNKNOWN_OUTCOME=hold).' }),
    not_planned: z.number().int().openapi({ description: 'People a channel can still reach with no notice planned yet (start the run).' }),
    covered_by_announcement: z.number().int().openapi({ description: 'People no individual channel can reach any more; the same count as `announcement_only` of the snapshot and the run.' }),
    no_channel: z.number().int(),
    uncovered: z.number().int().openapi({ description: 'Left to an announcement that is not published yet.' }),
    stuck_sending: z.number().int().openapi({ description: 'Rows still sending after their lease ran out, being settled.' }),
    announcement_required: z.boolean(),
    announcement_published: z.boolean(),
    unknown_deliveries: z.array(
      z.object({ delivery_id: z.string(), external_id: z.string(), channel: z.string(), attempts: z.number().int(), lease_expired_at: z.string().nullable() }),
    ),
  })
  .openapi('DeliveryCheck');

const checkRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries/check',
  operationId: 'checkDeliveryCoverage',
  tags: ['Delivery'],
  summary: 'Is every affected person reached, or covered by a published announcement, with nothing stuck?',
  roles: readRoles,
  request: { params: incidentParams },
  responses: {
    200: {
      description: 'The invariant',
      content: {
        'application/json': {
          schema: checkSchema,
        },
      },
    },
    ...notFoundResponse,
  },
});

const deliveryParams = z.object({
  id: idParam('id', 'inc'),
  delivery: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a delivery id (digits)')
    .openapi({ param: { name: 'delivery', in: 'path' }, example: '1042' }),
});

const proofSchema = z
  .object({
    id: z.string(),
    run_id: z.string(),
    external_id: z.string(),
    channel: z.string(),
    state: z.string(),
    attempts: z.number().int(),
    provider: z.string().nullable(),
    provider_id: z.string().nullable(),
    content_hash: z.string().nullable(),
    locale: z.string().nullable(),
    error_code: z.string().nullable(),
    accepted_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    unconfirmed_attempts: z.array(
      z.object({
        attempt: z.number().int(),
        claimed_at: z.string(),
        lease_expired_at: z.string(),
        settled_at: z.string().nullable(),
        resolution: z.enum(['resent', 'held', 'marked_sent', 'events', 'lookup']),
        settled_by: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
  })
  .openapi('DeliveryProof');

const proofJson = (p: DeliveryProof) => ({
  id: p.id,
  run_id: p.run_id,
  external_id: p.external_id,
  channel: p.channel,
  state: p.state,
  attempts: p.attempts,
  provider: p.provider,
  provider_id: p.provider_id,
  content_hash: p.content_hash,
  locale: p.locale,
  error_code: p.error_code,
  accepted_at: iso(p.accepted_at),
  delivered_at: iso(p.delivered_at),
  unconfirmed_attempts: p.unconfirmed_attempts.map((a) => ({ ...a, claimed_at: iso(a.claimed_at)!, lease_expired_at: iso(a.lease_expired_at)!, settled_at: iso(a.settled_at) })),
});

const proofRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/deliveries/proof/{delivery}',
  operationId: 'getDeliveryProof',
  tags: ['Delivery'],
  summary: 'One delivery with its proof: state, provider id, content hash, and every attempt whose outcome was not confirmed at the time',
  roles: readRoles,
  request: { params: deliveryParams },
  responses: { 200: { description: 'The delivery', content: { 'application/json': { schema: proofSchema } } }, ...notFoundResponse },
});

export const settleBody = z
  .strictObject({
    action: z.enum(['resend', 'mark_sent']).openapi({ description: '`resend`: send it again; `mark_sent`: record it as sent (a reason is required).' }),
    reason: z.string().trim().min(3).max(1000).optional().openapi({ description: 'Why; required with `mark_sent` (e.g. "listed as delivered in the provider dashboard").' }),
  })
  .superRefine((b, ctx) => {
    if (b.action === 'mark_sent' && !b.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a reason is required to mark a delivery as sent' });
  })
  .openapi('SettleUnknownDelivery');

export const settlementOf = (b: z.infer<typeof settleBody>): UnknownSettlement =>
  b.action === 'mark_sent' ? { action: 'mark_sent', reason: b.reason ?? '' } : { action: 'resend', reason: b.reason };

const settleRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/deliveries/unknown/{delivery}',
  operationId: 'settleUnknownDelivery',
  tags: ['Delivery'],
  summary: 'Settle a delivery held as unknown: send it again, or mark it sent with a reason (on the timeline)',
  roles: ['responder'],
  request: { params: deliveryParams, body: { content: { 'application/json': { schema: settleBody } }, required: true } },
  responses: { 200: { description: 'The delivery after settling', content: { 'application/json': { schema: proofSchema } } }, ...notFoundResponse, ...conflictResponse },
});

export const deliveryRoutes = createRouter()
  .openapi(startRoute, async (c) => {
    const { db, clock, config } = c.var.services;
    const id = c.req.valid('param').id;
    const run = await startDeliveries(db, id, actorOf(c.var.principal), clock.now(), config.DELIVERY_CHANNEL_ORDER);
    await c.var.services.deliveriesReady?.({});
    return c.json({ ...runJson(run), announcement: await announcementRequirement(db, id, config.ANNOUNCEMENT_THRESHOLD, config.DELIVERY_CHANNEL_ORDER) }, 201);
  })
  .openapi(listRoute, async (c) => c.json({ data: (await listRuns(c.var.services.db, c.req.valid('param').id, c.var.services.clock.now())).map(runJson) }, 200))
  .openapi(streamRoute, async (c) => progressStream(c, c.var.services, c.req.valid('param').id) as never)
  .openapi(checkRoute, async (c) => {
    const { db, clock, config } = c.var.services;
    const report = await checkInvariant(db, c.req.valid('param').id, clock.now(), config.ANNOUNCEMENT_THRESHOLD, config.DELIVERY_CHANNEL_ORDER);
    return c.json({ ...report, unknown_deliveries: report.unknown_deliveries.map((u) => ({ ...u, lease_expired_at: iso(u.lease_expired_at) })) }, 200);
  })
  .openapi(proofRoute, async (c) => {
    const { id, delivery } = c.req.valid('param');
    return c.json(proofJson(await deliveryProof(c.var.services.db, id, delivery)), 200);
  })
  .openapi(settleRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, delivery } = c.req.valid('param');
    const how = settlementOf(c.req.valid('json'));
    const proof = await settleUnknown(db, id, delivery, how, actorOf(c.var.principal), clock.now());
    if (how.action === 'resend') await c.var.services.deliveriesReady?.({});
    return c.json(proofJson(proof), 200);
  })
  .openapi(controlRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, run, action } = c.req.valid('param');
    const controlled = await controlRun(db, id, run, action, actorOf(c.var.principal), clock.now());
    if (action === 'resume') await c.var.services.deliveriesReady?.({ resumedRun: run });
    return c.json(runJson(controlled), 200);
  });
