// HTTP routes for runbooks and the per-incident checklists made from them.
import { z } from '@hono/zod-openapi';
import { actorOf, authedRoute, conflictResponse, createRouter, incidentParams, notFoundResponse, problemDoc, readRoles } from '../http/openapi.js';
import { iso, label, text } from '../lib/schema.js';
import { NotFoundError } from '../errors.js';
import { attachRunbook, checklist, settleStep, type ChecklistItem } from './service.js';
import type { Runbook } from './parse.js';

const summary = (r: Runbook) => ({ slug: r.slug, title: r.title, version: r.version, natures: r.natures, steps: r.steps.length });

const itemSchema = z
  .object({
    step_id: z.string(),
    runbook: z.string(),
    number: z.number().int(),
    text: z.string(),
    detail: z.string(),
    role: z.string(),
    state: z.enum(['open', 'done', 'skipped']),
    note: z.string().nullable(),
    changed_by: z.string().nullable(),
    changed_at: z.string().nullable(),
    due_at: z.string().nullable(),
    waiting_on: z.string().nullable().openapi({ description: 'The clock anchor not known yet that the due time counts from.' }),
    overdue: z.boolean(),
  })
  .openapi('ChecklistStep');

export const itemJson = (i: ChecklistItem) => ({ ...i, changed_at: iso(i.changed_at), due_at: iso(i.due_at) });

const slugParam = z.object({ slug: z.string().max(100).openapi({ param: { name: 'slug', in: 'path' } }) });

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/runbooks',
  operationId: 'listRunbooks',
  tags: ['Runbooks'],
  summary: 'The runbooks breachkit knows',
  roles: readRoles,
  responses: { 200: { description: 'Runbooks', content: { 'application/json': { schema: z.object({ data: z.array(z.object({ slug: z.string(), title: z.string(), version: z.string(), natures: z.array(z.string()), steps: z.number() })) }) } } } },
});

const getRoute = authedRoute({
  method: 'get',
  path: '/v1/runbooks/{slug}',
  operationId: 'getRunbook',
  tags: ['Runbooks'],
  summary: 'One runbook with its sections and steps',
  roles: readRoles,
  request: { params: slugParam },
  responses: { 200: { description: 'The runbook', content: { 'application/json': { schema: z.object({}).passthrough() } } }, ...notFoundResponse },
});

const checklistRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/checklist',
  operationId: 'getChecklist',
  tags: ['Runbooks'],
  summary: "The incident's checklist: every attached runbook's steps, with due times and overdue flags",
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'Steps', content: { 'application/json': { schema: z.object({ data: z.array(itemSchema) }) } } }, ...notFoundResponse },
});

const attachRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/checklist',
  operationId: 'attachRunbook',
  tags: ['Runbooks'],
  summary: 'Attach a runbook by hand',
  roles: ['responder'],
  request: { params: incidentParams, body: { required: true, content: { 'application/json': { schema: z.strictObject({ runbook: label }) } } } },
  responses: { 201: { description: 'The checklist', content: { 'application/json': { schema: z.object({ data: z.array(itemSchema) }) } } }, ...notFoundResponse, ...conflictResponse },
});

const settleRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/checklist/{step}',
  operationId: 'actOnChecklistStep',
  tags: ['Runbooks'],
  summary: 'Complete or skip a step (a skip needs a note); only a holder of the step\'s role may',
  roles: ['responder', 'approver'],
  request: {
    params: incidentParams.extend({ step: z.string().max(120).openapi({ param: { name: 'step', in: 'path' }, example: 'ransomware.3' }) }),
    body: { required: true, content: { 'application/json': { schema: z.strictObject({ action: z.enum(['complete', 'skip']), note: text(2000).nullable().default(null) }) } } },
  },
  responses: { 200: { description: 'The step', content: { 'application/json': { schema: itemSchema } } }, ...notFoundResponse, ...conflictResponse, 422: problemDoc('A skip without a note') },
});

export const runbookRoutes = createRouter()
  .openapi(listRoute, (c) => c.json({ data: [...c.var.services.runbooks.values()].map(summary) }, 200))
  .openapi(getRoute, (c) => {
    const slug = c.req.valid('param').slug;
    const r = c.var.services.runbooks.get(slug);
    if (!r) throw new NotFoundError('runbook', slug);
    return c.json({ ...summary(r), sections: r.sections, steps: r.steps }, 200);
  })
  .openapi(checklistRoute, async (c) => {
    const { db, runbooks, clock } = c.var.services;
    return c.json({ data: (await checklist(db, runbooks, c.req.valid('param').id, clock.now())).map(itemJson) }, 200);
  })
  .openapi(attachRoute, async (c) => {
    const { db, runbooks, clock } = c.var.services;
    const id = c.req.valid('param').id;
    await attachRunbook(db, runbooks, id, c.req.valid('json').runbook, 'manual', actorOf(c.var.principal), clock.now());
    return c.json({ data: (await checklist(db, runbooks, id, clock.now())).map(itemJson) }, 201);
  })
  .openapi(settleRoute, async (c) => {
    const { db, runbooks, clock } = c.var.services;
    const { id, step } = c.req.valid('param');
    const body = c.req.valid('json');
    const item = await settleStep(db, runbooks, id, step, body, { ...actorOf(c.var.principal), role: c.var.principal.role }, clock.now());
    return c.json(itemJson(item), 200);
  });
