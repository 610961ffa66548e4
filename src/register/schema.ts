// Shapes of the breach register: the query and one row per incident (JSON), and the CSV columns.
import { z } from '@hono/zod-openapi';
import { incidentSchema, regionCode } from '../incidents/schema.js';
import { timestamp, timestampOut } from '../lib/schema.js';

export const registerQuery = z
  .object({
    from: timestamp.optional().openapi({ description: 'Incidents discovered at or after this time.' }),
    to: timestamp.optional().openapi({ description: 'Incidents discovered before this time.' }),
    jurisdiction: regionCode.optional().openapi({ description: 'Only incidents touching this country or subdivision (a country includes its subdivisions).', example: 'DE' }),
    include_drills: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .openapi({ description: 'Drills are left out unless this is true.' }),
    format: z.enum(['json', 'csv']).optional().openapi({ description: 'json or csv; without it, the Accept header decides (text/csv for CSV).' }),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] });

const decisionSchema = z.object({
  key: z.string(),
  rule_id: z.string(),
  jurisdiction: z.string(),
  article: z.string(),
  authority: z.string(),
  applicability: z.enum(['applies', 'possible', 'not_applicable']),
  status: z.string(),
  decision: z.enum(['filed', 'pending', 'not_applicable', 'determined_not_to_apply', 'decision_missing']).openapi({
    description: '`filed` (see filings), `pending` (applies, not filed yet), `not_applicable` (reason: the engine\'s), `determined_not_to_apply` (the team\'s determination and note), `decision_missing` (possibly applicable, no determination yet).',
  }),
  due_at: timestampOut.nullable(),
  legal_latest_at: timestampOut.nullable(),
  filings: z.array(z.object({ stage: z.string(), filed_at: timestampOut, reference: z.string().nullable(), on_time: z.boolean() })),
  reason: z.string().nullable(),
  determination: z.object({ applies: z.boolean(), note: z.string().nullable(), by: z.string().nullable(), at: timestampOut.nullable() }).nullable(),
});

/** The incident's own facts the register repeats, in the incident's JSON shape. */
export const registerIncidentFields = {
  title: true,
  summary: true,
  drill: true,
  status: true,
  nature: true,
  severity: true,
  occurred_from: true,
  occurred_to: true,
  discovered_at: true,
  aware_at: true,
  contained_at: true,
  closed_at: true,
  data_categories: true,
  systems: true,
  encrypted: true,
  measures: true,
  remedies: true,
} as const;

export const registerEntrySchema = incidentSchema
  .pick(registerIncidentFields)
  .extend({
    incident_id: z.string(),
    counts_source: z.enum(['affected_snapshot', 'incident_estimate']),
    affected_total: z.number().int().nullable(),
    affected_by_jurisdiction: z.record(z.string(), z.number().int()),
    profile_version: z.number().int().nullable(),
    decisions: z.array(decisionSchema),
    decisions_missing: z.array(z.string()).openapi({ description: 'Obligations that may apply and still wait for a determination.' }),
  })
  .openapi('RegisterEntry');

export const registerSchema = z
  .object({
    generated_at: timestampOut,
    filters: z.object({ from: timestampOut.nullable(), to: timestampOut.nullable(), jurisdiction: z.string().nullable(), include_drills: z.boolean() }),
    data: z.array(registerEntrySchema),
  })
  .openapi('BreachRegister');
