// Request and response shapes for incidents.
import { z } from '@hono/zod-openapi';
import { label, text, timestamp, timestampOut, iso } from '../lib/schema.js';
import { statuses, allowedTransitions } from './lifecycle.js';
import { cacGrades, dataCategories, isRegionCode, natures, riskLevels, severities } from './vocabulary.js';
import type { Incident } from './store.js';

const count = z.number().int().min(0).max(10_000_000_000);

export const regionCode = z
  .string()
  .max(10)
  .refine(isRegionCode, { message: 'must be an ISO 3166-1 alpha-2 country code or an ISO 3166-2 subdivision code (e.g. CN, DE, US-CA)' })
  .openapi({ example: 'US-CA' });

const unique = <T extends z.ZodTypeAny>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .transform((a) => [...new Set(a)] as z.output<T>[]);

const measure = z.strictObject({
  description: text(2000).pipe(z.string().min(1)),
  at: timestamp,
  state: z.enum(['taken', 'planned']),
});

const remedy = z.strictObject({
  description: text(2000).pipe(z.string().min(1)),
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
});

const estimatedAffected = z
  .strictObject({
    total: count.optional(),
    by_region: z.record(regionCode, count).optional(),
  })
  .openapi({ example: { total: 1200, by_region: { 'US-TX': 250, CN: 900 } } });

const assessment = z
  .strictObject({
    risk_of_harm: z.enum(riskLevels).optional().openapi({ description: 'Likely harm to people: unlikely, risk, significant (real risk of significant harm) or high.' }),
    encryption_key_exposed: z.boolean().optional().openapi({ description: 'The key of encrypted data was exposed too (no encryption safe harbour).' }),
    credentials_exposed: z.boolean().optional().openapi({ description: 'User names or emails with passwords or security answers were exposed.' }),
    malicious: z.boolean().optional().openapi({ description: 'Caused with unlawful intent; derived from nature when absent.' }),
    cac_grade: z.enum(cacGrades).optional().openapi({ description: 'The grade under the PRC incident grading rules; derived from counts and loss when absent.' }),
    direct_loss_rmb: z.number().min(0).max(1e15).optional(),
    data_held_in: z.array(regionCode).max(300).optional().openapi({ description: 'Where the affected data was stored (ISO codes).' }),
    product_vulnerability: z.boolean().optional(),
    national_security_or_public_interest: z.boolean().optional(),
    internal_only: z.boolean().optional().openapi({ description: 'The breach stayed within the organisation.' }),
    large_scale: z.boolean().optional(),
  })
  .openapi('Assessment', { description: 'Legal facts the regulator rules read. A key left out is unknown: rules that need it stay "possible" and say which fact is missing.' });

const anchor = (description: string) => timestamp.nullable().openapi({ description });

const factFields = {
  title: text(300).pipe(z.string().min(1)).openapi({ example: 'Customer database snapshot exposed in a public bucket' }),
  summary: text(20_000),
  nature: z.enum(natures),
  severity: z.enum(severities),
  drill: z.boolean().openapi({ description: 'An exercise, not a real incident.' }),
  occurred_from: timestamp.nullable(),
  occurred_to: timestamp.nullable(),
  discovered_at: timestamp,
  aware_at: timestamp.nullable().openapi({ description: 'When the company became reasonably certain personal data was affected: the clock anchor most deadlines count from.' }),
  contained_at: timestamp.nullable(),
  determined_at: anchor('When the breach was confirmed (a clock anchor for some rules, e.g. US states counting from determination).'),
  assessment_completed_at: anchor('When the risk assessment was completed.'),
  materiality_determined_at: anchor('When the incident was determined to be material (SEC Form 8-K item 1.05).'),
  individuals_notified_at: anchor('When affected people were notified. Derived from deliveries once a delivery run exists; set by hand otherwise.'),
  disposal_ended_at: anchor('When the disposal (handling) of the incident ended; PRC final reports count from it.'),
  assessment,
  systems: unique(label, 500),
  data_categories: unique(z.enum(dataCategories), dataCategories.length),
  regions: unique(regionCode, 300),
  estimated_affected: estimatedAffected.nullable(),
  encrypted: z.boolean().nullable().openapi({ description: 'Whether the affected data was protected (e.g. encrypted with keys that were not exposed); null when not known.' }),
  measures: z.array(measure).max(200),
  remedies: z.array(remedy).max(100),
};

export const createIncidentBody = z
  .strictObject({
    ...factFields,
    summary: factFields.summary.default(''),
    drill: factFields.drill.default(false),
    occurred_from: factFields.occurred_from.default(null),
    occurred_to: factFields.occurred_to.default(null),
    aware_at: factFields.aware_at.default(null),
    contained_at: factFields.contained_at.default(null),
    determined_at: factFields.determined_at.default(null),
    assessment_completed_at: factFields.assessment_completed_at.default(null),
    materiality_determined_at: factFields.materiality_determined_at.default(null),
    individuals_notified_at: factFields.individuals_notified_at.default(null),
    disposal_ended_at: factFields.disposal_ended_at.default(null),
    assessment: factFields.assessment.default({}),
    systems: factFields.systems.default([]),
    data_categories: factFields.data_categories.default([]),
    regions: factFields.regions.default([]),
    estimated_affected: factFields.estimated_affected.default(null),
    encrypted: factFields.encrypted.default(null),
    measures: factFields.measures.default([]),
    remedies: factFields.remedies.default([]),
  })
  .openapi('NewIncident');

export const patchIncidentBody = z
  .strictObject({
    ...Object.fromEntries(Object.entries(factFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof factFields]: z.ZodOptional<(typeof factFields)[K]> },
    status: z.enum(statuses).optional().openapi({ description: 'Move the incident along its lifecycle.' }),
    closed_at: timestamp.nullable().optional(),
  })
  .openapi('IncidentPatch');

export const incidentSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    status: z.enum(statuses),
    allowed_transitions: z.array(z.enum(statuses)),
    title: z.string(),
    summary: z.string(),
    nature: z.enum(natures),
    severity: z.enum(severities),
    drill: z.boolean(),
    occurred_from: timestampOut.nullable(),
    occurred_to: timestampOut.nullable(),
    discovered_at: timestampOut,
    aware_at: timestampOut.nullable(),
    contained_at: timestampOut.nullable(),
    closed_at: timestampOut.nullable(),
    determined_at: timestampOut.nullable(),
    assessment_completed_at: timestampOut.nullable(),
    materiality_determined_at: timestampOut.nullable(),
    individuals_notified_at: timestampOut.nullable(),
    disposal_ended_at: timestampOut.nullable(),
    assessment: z.record(z.string(), z.unknown()),
    systems: z.array(z.string()),
    data_categories: z.array(z.string()),
    regions: z.array(z.string()),
    estimated_affected: z.object({ total: z.number().optional(), by_region: z.record(z.string(), z.number()).optional() }).nullable(),
    encrypted: z.boolean().nullable(),
    measures: z.array(z.object({ description: z.string(), at: timestampOut, state: z.enum(['taken', 'planned']) })),
    remedies: z.array(z.object({ description: z.string(), url: z.string().optional() })),
    created_at: timestampOut,
    updated_at: timestampOut,
    created_by: z.string(),
    timeline: z.object({ events: z.number().int(), head_hash: z.string() }),
  })
  .openapi('Incident');

export type IncidentJson = z.infer<typeof incidentSchema>;

export function incidentJson(i: Incident): IncidentJson {
  return {
    id: i.id,
    version: i.version,
    status: i.status,
    allowed_transitions: [...allowedTransitions(i.status)],
    title: i.title,
    summary: i.summary,
    nature: i.nature,
    severity: i.severity,
    drill: i.drill,
    occurred_from: iso(i.occurred_from),
    occurred_to: iso(i.occurred_to),
    discovered_at: iso(i.discovered_at)!,
    aware_at: iso(i.aware_at),
    contained_at: iso(i.contained_at),
    closed_at: iso(i.closed_at),
    determined_at: iso(i.determined_at),
    assessment_completed_at: iso(i.assessment_completed_at),
    materiality_determined_at: iso(i.materiality_determined_at),
    individuals_notified_at: iso(i.individuals_notified_at),
    disposal_ended_at: iso(i.disposal_ended_at),
    assessment: i.assessment as Record<string, unknown>,
    systems: i.systems,
    data_categories: i.data_categories,
    regions: i.regions,
    estimated_affected: i.estimated_affected,
    encrypted: i.encrypted,
    measures: i.measures.map((m) => ({ description: m.description, at: m.at.toISOString(), state: m.state })),
    remedies: i.remedies,
    created_at: i.created_at.toISOString(),
    updated_at: i.updated_at.toISOString(),
    created_by: i.created_by,
    timeline: { events: i.timeline_seq, head_hash: i.timeline_head },
  };
}

export const timelineSchema = z
  .object({
    incident_id: z.string(),
    events: z.array(
      z.object({ seq: z.number().int(), at: timestampOut, actor: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), prev_hash: z.string(), hash: z.string() }),
    ),
    verification: z.object({
      valid: z.boolean(),
      events_checked: z.number().int(),
      head_hash: z.string(),
      problems: z.array(z.object({ seq: z.number().int(), reason: z.string(), detail: z.string() })),
    }),
  })
  .openapi('Timeline');
