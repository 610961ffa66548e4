// HTTP routes for regulator obligations: the computed deadlines, what-if, filings, determinations,
// report drafts, the chart, and the organisation profile they depend on.
import { z } from '@hono/zod-openapi';
import { actorOf, authedRoute, createRouter, incidentParams, notFoundResponse, problemDoc, readRoles } from '../http/openapi.js';
import { iso, timestampOut } from '../lib/schema.js';
import { obligationsSvg } from './chart.js';
import { deleteSuppliedSchedule, holidayScheduleBody, listSuppliedSchedules, saveSuppliedSchedule, type SuppliedSchedule } from './holiday-files.js';
import { listProfileVersions, profileSchema, saveProfile, loadProfile, type ProfileVersion } from './profile.js';
import { changeSchema, determinationBody, evaluationSchema, filingBody, filingSchema, obligationSchema, pinBody, whatIfBody } from './schema.js';
import {
  draftReport,
  incidentObligations,
  listFilings,
  pinIncidentProfile,
  recordDetermination,
  recordFiling,
  whatIfObligations,
  type FilingRow,
  type IncidentEvaluation,
} from './service.js';
import { NotFoundError } from '../errors.js';
import { regionCode } from '../incidents/schema.js';
import type { Obligation } from './types.js';
import { getIncident } from '../incidents/service.js';

const ruleParams = incidentParams.extend({
  rule_id: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a rule id such as eu-gdpr-33')
    .openapi({ param: { name: 'rule_id', in: 'path' }, example: 'eu-gdpr-33' }),
});

const statusFilter = z
  .string()
  .max(200)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
  .pipe(z.array(z.enum(['awaiting_anchor', 'upcoming', 'due_soon', 'overdue', 'met', 'met_late', 'not_applicable'])).min(1))
  .optional()
  .openapi({ description: 'Only these statuses (comma-separated); all, including not_applicable with its reason, by default.' });

const applicabilityFilter = z
  .string()
  .max(100)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
  .pipe(z.array(z.enum(['applies', 'possible', 'not_applicable'])).min(1))
  .optional()
  .openapi({ description: 'Only these applicabilities (comma-separated): `applies`, `possible` (facts unknown), `not_applicable`.' });

/**
 * Obligations per status, counting only those that apply (and the not-applicable ones); an obligation that
 * only possibly applies is counted apart under `possible`, whatever its dated status, and windows over a
 * year with no official holiday schedule under `calendar_incomplete`.
 */
export function countObligations(obligations: Obligation[]): Record<string, number> {
  const counts: Record<string, number> = { possible: 0, calendar_incomplete: 0 };
  for (const o of obligations) {
    if (o.applicability === 'possible') counts.possible!++;
    else counts[o.status] = (counts[o.status] ?? 0) + 1;
    if (o.calendar_incomplete) counts.calendar_incomplete!++;
  }
  return counts;
}

function evaluationJson(e: IncidentEvaluation, only: { status?: string[] | undefined; applicability?: string[] | undefined } = {}) {
  const obligations = e.obligations.filter((o) => (!only.status || only.status.includes(o.status)) && (!only.applicability || only.applicability.includes(o.applicability)));
  return {
    incident_id: e.incident_id,
    incident_version: e.incident_version,
    evaluated_at: e.evaluated_at,
    counts_source: e.counts_source,
    individuals_notified: e.individuals_notified,
    profile_version: e.profile_version,
    counts: countObligations(e.obligations),
    obligations,
  };
}

const filingJson = (f: FilingRow) => ({
  id: f.id,
  rule_id: f.rule_id,
  stage: f.stage,
  target: f.target,
  filed_at: f.filed_at.toISOString(),
  filed_by: `${f.filed_by_name} (${f.filed_by})`,
  reference: f.reference,
  document: f.document,
  note: f.note,
  due_at: iso(f.stage_due_at),
  on_time: f.on_time,
  created_at: f.created_at.toISOString(),
});

const listRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/obligations',
  operationId: 'listObligations',
  tags: ['Obligations'],
  summary: 'Every regulator and notice obligation the incident triggers, with due times, statuses and the reasons',
  description:
    'Computed from the stored facts on every request, so a fact change shows at once. Before the affected snapshot is resolved the incident\'s regions and estimate are used (`counts_source`). An obligation whose clock anchor is not recorded is `awaiting_anchor` and names it; no date is guessed.',
  roles: readRoles,
  request: { params: incidentParams, query: z.object({ status: statusFilter, applicability: applicabilityFilter }) },
  responses: { 200: { description: 'Obligations', content: { 'application/json': { schema: evaluationSchema } } }, ...notFoundResponse },
});

const whatIfRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/obligations/what-if',
  operationId: 'whatIfObligations',
  tags: ['Obligations'],
  summary: 'The obligations for changed facts, saved nowhere, with what would change',
  roles: readRoles,
  request: { params: incidentParams, body: { required: true, content: { 'application/json': { schema: whatIfBody } } } },
  responses: {
    200: { description: 'Obligations under the changed facts', content: { 'application/json': { schema: evaluationSchema.extend({ changes: z.array(changeSchema) }) } } },
    ...notFoundResponse,
    422: problemDoc('An unknown rule id'),
  },
});

const chartRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/obligations.svg',
  operationId: 'getObligationsChart',
  tags: ['Obligations'],
  summary: 'The obligations as a Gantt-like chart (SVG): clock start, due time, filings and a line at now',
  roles: readRoles,
  request: { params: incidentParams },
  responses: { 200: { description: 'An SVG image', content: { 'image/svg+xml': { schema: z.string() } } }, ...notFoundResponse },
});

const fileRoute = authedRoute({
  method: 'post',
  path: '/v1/incidents/{id}/obligations/{rule_id}/filings',
  operationId: 'recordFiling',
  tags: ['Obligations'],
  summary: 'Record a filing with an authority (or a notice to individuals); on time or late is derived',
  roles: ['responder'],
  request: { params: ruleParams, body: { required: true, content: { 'application/json': { schema: filingBody } } } },
  responses: {
    201: { description: 'The filing and the obligation after it', content: { 'application/json': { schema: z.object({ filing: filingSchema, obligations: z.array(obligationSchema) }) } } },
    ...notFoundResponse,
    422: problemDoc('An unknown stage or target, or a time that cannot be true'),
  },
});

const filingsRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/obligations/{rule_id}/filings',
  operationId: 'listFilings',
  tags: ['Obligations'],
  summary: 'The filings recorded for one rule',
  roles: readRoles,
  request: { params: ruleParams },
  responses: { 200: { description: 'Filings, oldest first', content: { 'application/json': { schema: z.object({ data: z.array(filingSchema) }) } } }, ...notFoundResponse },
});

const determineRoute = authedRoute({
  method: 'put',
  path: '/v1/incidents/{id}/obligations/{rule_id}/determination',
  operationId: 'recordDetermination',
  tags: ['Obligations'],
  summary: 'Record the team\'s conclusion that a rule does or does not apply (settles facts the engine cannot judge)',
  roles: ['responder', 'approver'],
  request: { params: ruleParams, body: { required: true, content: { 'application/json': { schema: determinationBody } } } },
  responses: { 200: { description: 'The obligations after the determination', content: { 'application/json': { schema: z.object({ obligations: z.array(obligationSchema) }) } } }, ...notFoundResponse },
});

const draftRoute = authedRoute({
  method: 'get',
  path: '/v1/incidents/{id}/obligations/{rule_id}/draft',
  operationId: 'draftObligationReport',
  tags: ['Obligations'],
  summary: 'A draft report for the authority, in Markdown, filled from the incident with the content the rule requires',
  roles: readRoles,
  request: {
    params: ruleParams,
    query: z.object({
      locale: z.string().max(20).default('en').openapi({ description: 'en or zh-CN.' }),
      stage: z.string().max(60).optional(),
      target: z.string().max(10).optional().openapi({ description: 'The authority, for a rule owed to several (e.g. DE for GDPR).' }),
    }),
  },
  responses: { 200: { description: 'The draft', content: { 'text/markdown': { schema: z.string() } } }, ...notFoundResponse, 422: problemDoc('An unknown locale, stage or target') },
});

const profileOut = profileSchema.extend({ version: z.number().int().nullable(), updated_at: z.string().nullable(), updated_by: z.string().nullable() });

const getProfileRoute = authedRoute({
  method: 'get',
  path: '/v1/organisation',
  operationId: 'getOrganisation',
  tags: ['Obligations'],
  summary: 'The organisation profile: which regimes reach the company, who is on call for reminders, working targets',
  roles: ['responder', 'approver'],
  responses: { 200: { description: 'The current profile version', content: { 'application/json': { schema: profileOut } } } },
});

const putProfileRoute = authedRoute({
  method: 'put',
  path: '/v1/organisation',
  operationId: 'replaceOrganisation',
  tags: ['Obligations'],
  summary: 'Record a new version of the organisation profile, in force from now (admin); past incidents keep theirs',
  roles: ['admin'],
  request: { body: { required: true, content: { 'application/json': { schema: profileSchema } } } },
  responses: { 200: { description: 'The saved profile', content: { 'application/json': { schema: profileOut } } } },
});

const profileJson = (p: Awaited<ReturnType<typeof loadProfile>>) => ({ ...p, updated_at: iso(p.updated_at), updated_by: p.updated_by });

const versionSchema = z
  .object({
    version: z.number().int(),
    effective_from: timestampOut.nullable().openapi({ description: 'In force from then (null: from the beginning, the first version recorded).' }),
    created_at: timestampOut,
    created_by: z.string(),
    profile: profileSchema,
  })
  .openapi('OrganisationProfileVersion');

const versionJson = (v: ProfileVersion) => ({ version: v.version, effective_from: iso(v.effective_from), created_at: v.created_at.toISOString(), created_by: v.created_by, profile: v.profile });

const versionsRoute = authedRoute({
  method: 'get',
  path: '/v1/organisation/versions',
  operationId: 'listOrganisationProfileVersions',
  tags: ['Obligations'],
  summary: 'Every version of the organisation profile, newest first, with the moment each came into force',
  description: 'An incident is judged with the version in force at its aware_at (discovered_at when aware_at is not recorded), unless a responder pins another one.',
  roles: ['responder', 'approver'],
  responses: { 200: { description: 'Profile versions', content: { 'application/json': { schema: z.object({ data: z.array(versionSchema) }) } } } },
});

const pinRoute = authedRoute({
  method: 'put',
  path: '/v1/incidents/{id}/organisation-profile',
  operationId: 'pinIncidentProfile',
  tags: ['Obligations'],
  summary: 'Judge the incident with a chosen organisation profile version (null: the one in force at its aware_at); on the timeline',
  roles: ['responder'],
  request: { params: incidentParams, body: { required: true, content: { 'application/json': { schema: pinBody } } } },
  responses: {
    200: { description: 'The obligations under the pinned profile', content: { 'application/json': { schema: evaluationSchema } } },
    ...notFoundResponse,
    422: problemDoc('No such profile version'),
  },
});

const scheduleParams = z.object({
  jurisdiction: regionCode.openapi({ param: { name: 'jurisdiction', in: 'path' }, example: 'CN' }),
  year: z.coerce.number().int().min(2000).max(2100).openapi({ param: { name: 'year', in: 'path' }, example: 2027 }),
});

const suppliedScheduleSchema = holidayScheduleBody
  .extend({ jurisdiction: z.string(), year: z.number().int(), supplied_by: z.string(), supplied_at: timestampOut })
  .openapi('SuppliedHolidaySchedule');

const scheduleJson = (s: SuppliedSchedule) => ({ ...s, supplied_at: s.supplied_at.toISOString() });

const listSchedulesRoute = authedRoute({
  method: 'get',
  path: '/v1/organisation/holiday-schedules',
  operationId: 'listHolidaySchedules',
  tags: ['Obligations'],
  summary: 'Holiday schedules the organisation supplied for years breachkit ships no official schedule for',
  roles: ['responder', 'approver'],
  responses: { 200: { description: 'Supplied schedules', content: { 'application/json': { schema: z.object({ data: z.array(suppliedScheduleSchema) }) } } } },
});

const putScheduleRoute = authedRoute({
  method: 'put',
  path: '/v1/organisation/holiday-schedules/{jurisdiction}/{year}',
  operationId: 'putHolidaySchedule',
  tags: ['Obligations'],
  summary: 'Supply the official holiday schedule of a jurisdiction for a year breachkit does not ship (admin)',
  description:
    'For example the PRC schedule for a year whose State Council notice came out after this release: the days off and the weekend days worked in lieu. Every evaluation uses it at once; a year with an official schedule shipped cannot be replaced.',
  roles: ['admin'],
  request: { params: scheduleParams, body: { required: true, content: { 'application/json': { schema: holidayScheduleBody } } } },
  responses: {
    200: { description: 'The stored schedule', content: { 'application/json': { schema: suppliedScheduleSchema } } },
    422: problemDoc('A day outside the year, a make-up working day that is not a weekend day, or a year with an official schedule shipped'),
  },
});

const deleteScheduleRoute = authedRoute({
  method: 'delete',
  path: '/v1/organisation/holiday-schedules/{jurisdiction}/{year}',
  operationId: 'deleteHolidaySchedule',
  tags: ['Obligations'],
  summary: 'Remove a supplied holiday schedule (admin)',
  roles: ['admin'],
  request: { params: scheduleParams },
  responses: { 204: { description: 'Removed' }, ...notFoundResponse },
});

export const obligationRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const { db, clock } = c.var.services;
    const e = await incidentObligations(db, c.req.valid('param').id, clock.now());
    return c.json(evaluationJson(e, c.req.valid('query')), 200);
  })
  .openapi(whatIfRoute, async (c) => {
    const { db, clock } = c.var.services;
    const body = c.req.valid('json');
    const e = await whatIfObligations(db, c.req.valid('param').id, body, clock.now());
    return c.json({ ...evaluationJson(e), changes: e.changes }, 200);
  })
  .openapi(chartRoute, async (c) => {
    const { db, clock } = c.var.services;
    const now = clock.now();
    const id = c.req.valid('param').id;
    const [incident, e] = await Promise.all([getIncident(db, id), incidentObligations(db, id, now)]);
    c.header('content-type', 'image/svg+xml; charset=utf-8');
    c.header('cache-control', 'no-store');
    return c.body(obligationsSvg(incident, e.obligations, now), 200);
  })
  .openapi(fileRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, rule_id } = c.req.valid('param');
    const body = c.req.valid('json');
    const now = clock.now();
    const r = await recordFiling(db, id, rule_id, { ...body, filed_at: body.filed_at ?? now }, actorOf(c.var.principal), now);
    return c.json({ filing: filingJson(r.filing), obligations: r.obligation }, 201);
  })
  .openapi(filingsRoute, async (c) => {
    const { id, rule_id } = c.req.valid('param');
    const { db } = c.var.services;
    await getIncident(db, id);
    return c.json({ data: (await listFilings(db, id, rule_id)).map(filingJson) }, 200);
  })
  .openapi(determineRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { id, rule_id } = c.req.valid('param');
    const now = clock.now();
    await recordDetermination(db, id, rule_id, c.req.valid('json'), actorOf(c.var.principal), now);
    const e = await incidentObligations(db, id, now);
    return c.json({ obligations: e.obligations.filter((o) => o.rule_id === rule_id) }, 200);
  })
  .openapi(draftRoute, async (c) => {
    const { db, clock, drafts } = c.var.services;
    const { id, rule_id } = c.req.valid('param');
    const q = c.req.valid('query');
    const r = await draftReport(db, id, rule_id, q, drafts, clock.now());
    c.header('content-type', 'text/markdown; charset=utf-8');
    c.header('content-language', q.locale);
    return c.body(r.text, 200);
  })
  .openapi(getProfileRoute, async (c) => c.json(profileJson(await loadProfile(c.var.services.db)), 200))
  .openapi(putProfileRoute, async (c) => {
    const { db, clock } = c.var.services;
    await saveProfile(db, c.req.valid('json'), c.var.principal.keyId, clock.now());
    return c.json(profileJson(await loadProfile(db)), 200);
  })
  .openapi(versionsRoute, async (c) => c.json({ data: (await listProfileVersions(c.var.services.db)).map(versionJson) }, 200))
  .openapi(pinRoute, async (c) => {
    const { db, clock } = c.var.services;
    const id = c.req.valid('param').id;
    const now = clock.now();
    await pinIncidentProfile(db, id, c.req.valid('json'), actorOf(c.var.principal), now);
    return c.json(evaluationJson(await incidentObligations(db, id, now)), 200);
  })
  .openapi(listSchedulesRoute, async (c) => c.json({ data: (await listSuppliedSchedules(c.var.services.db)).map(scheduleJson) }, 200))
  .openapi(putScheduleRoute, async (c) => {
    const { db, clock } = c.var.services;
    const { jurisdiction, year } = c.req.valid('param');
    const saved = await saveSuppliedSchedule(db, jurisdiction, year, c.req.valid('json'), c.var.principal.keyId, clock.now());
    return c.json(scheduleJson(saved), 200);
  })
  .openapi(deleteScheduleRoute, async (c) => {
    const { jurisdiction, year } = c.req.valid('param');
    if (!(await deleteSuppliedSchedule(c.var.services.db, jurisdiction, year))) throw new NotFoundError('holiday schedule', `${jurisdiction}/${year}`);
    return c.body(null, 204);
  });
