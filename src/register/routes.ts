// GET /v1/register: the breach register as JSON or CSV.
import { z } from '@hono/zod-openapi';
import { authedRoute, createRouter, readRoles } from '../http/openapi.js';
import { csvRows } from '../lib/csv.js';
import { iso } from '../lib/schema.js';
import { incidentJson } from '../incidents/schema.js';
import { registerIncidentFields, registerQuery, registerSchema } from './schema.js';
import { breachRegister, type RegisterEntry } from './service.js';
import type { ObligationDecision } from '../obligations/service.js';

const registerRoute = authedRoute({
  method: 'get',
  path: '/v1/register',
  operationId: 'getBreachRegister',
  tags: ['Register'],
  summary: 'The breach register: every incident with its facts, effects, measures and, per obligation, what was decided (CSV or JSON)',
  description:
    'One row per incident, drills left out by default. For each obligation: filed (when, reference, on time or late), pending, not applicable (the engine\'s reason), determined not to apply (who, when, the note), or still undecided for an obligation that only possibly applies.',
  roles: readRoles,
  request: { query: registerQuery },
  responses: {
    200: {
      description: 'The register',
      content: { 'application/json': { schema: registerSchema }, 'text/csv': { schema: z.string().openapi({ description: 'One row per incident; the header names the columns.' }) } },
    },
  },
});

const entryJson = (e: RegisterEntry) => {
  const full = incidentJson(e.incident);
  const facts = Object.fromEntries(Object.keys(registerIncidentFields).map((k) => [k, full[k as keyof typeof full]])) as Pick<typeof full, keyof typeof registerIncidentFields>;
  return {
    incident_id: e.incident.id,
    ...facts,
    counts_source: e.counts_source,
    affected_total: e.affected_total,
    affected_by_jurisdiction: e.affected_by_jurisdiction,
    profile_version: e.profile_version,
    decisions: e.decisions,
    decisions_missing: e.decisions_missing,
  };
};

const csvHeader = [
  'incident_id', 'title', 'drill', 'status', 'nature', 'severity', 'occurred_from', 'discovered_at', 'aware_at', 'contained_at', 'closed_at',
  'data_categories', 'systems', 'encrypted', 'counts_source', 'affected_total', 'affected_by_jurisdiction', 'measures',
  'notified', 'pending', 'not_notified_by_decision', 'not_applicable', 'decisions_missing',
];

/** One decision in a cell: enough for a reader of the spreadsheet, the JSON has every field. */
function describeDecision(d: ObligationDecision): string {
  switch (d.decision) {
    case 'filed':
      return `${d.key}: ${d.filings.map((f) => `${f.stage} filed ${f.filed_at}${f.reference ? ` ref ${f.reference}` : ''} ${f.on_time ? 'on time' : 'late'}`).join(', ')}`;
    case 'pending':
      return `${d.key}: ${d.status}, due ${d.due_at ?? 'when its anchor is recorded'}`;
    case 'determined_not_to_apply':
      return `${d.key}: determined not to apply by ${d.determination?.by ?? 'unknown'} on ${d.determination?.at ?? 'unknown'}: ${d.reason ?? ''}`;
    case 'not_applicable':
      return `${d.key}: ${d.reason ?? 'not applicable'}`;
    case 'decision_missing':
      return `${d.key}: possibly applicable, no determination recorded`;
  }
}

function csvRow(e: RegisterEntry): unknown[] {
  const i = e.incident;
  const of = (kind: ObligationDecision['decision']) => e.decisions.filter((d) => d.decision === kind).map(describeDecision).join(' | ');
  return [
    i.id, i.title, i.drill, i.status, i.nature, i.severity, iso(i.occurred_from), i.discovered_at.toISOString(), iso(i.aware_at), iso(i.contained_at), iso(i.closed_at),
    i.data_categories.join('; '), i.systems.join('; '), i.encrypted === null ? '' : i.encrypted, e.counts_source, e.affected_total ?? '',
    Object.entries(e.affected_by_jurisdiction).map(([k, n]) => `${k}=${n}`).join('; '),
    i.measures.map((m) => `${m.at.toISOString()} ${m.state}: ${m.description}`).join(' | '),
    of('filed'), of('pending'), of('determined_not_to_apply'), of('not_applicable'), e.decisions_missing.join('; '),
  ];
}

export const registerRoutes = createRouter().openapi(registerRoute, async (c) => {
  const { db, clock } = c.var.services;
  const q = c.req.valid('query');
  const now = clock.now();
  const entries = await breachRegister(db, q, now);
  const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(c.req.header('accept') ?? ''));
  if (csv) {
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', `attachment; filename="breach-register-${now.toISOString().slice(0, 10)}.csv"`);
    return c.body(csvRows([csvHeader, ...entries.map(csvRow)]), 200);
  }
  return c.json(
    {
      generated_at: now.toISOString(),
      filters: { from: iso(q.from ?? null), to: iso(q.to ?? null), jurisdiction: q.jurisdiction ?? null, include_drills: q.include_drills },
      data: entries.map(entryJson),
    },
    200,
  );
});
