// Request and response shapes for obligations, filings, determinations and the organisation profile.
import { z } from '@hono/zod-openapi';
import { regionCode } from '../incidents/schema.js';
import { cacGrades, dataCategories, natures, riskLevels, severities } from '../incidents/vocabulary.js';
import { text, timestamp, timestampOut } from '../lib/schema.js';

const statuses = ['awaiting_anchor', 'upcoming', 'due_soon', 'overdue', 'met', 'met_late', 'not_applicable'] as const;

const stageSchema = z.object({
  key: z.string(),
  name: z.string(),
  kind: z.enum(['initial', 'supplementary', 'final']),
  required: z.boolean(),
  deadline: z.object({ unit: z.string(), amount: z.number().nullable(), text: z.string().nullable() }),
  starts_from: z.string(),
  start_at: timestampOut.nullable(),
  due_at: timestampOut.nullable(),
  due_local: z.string().nullable().openapi({ description: 'The due time in the authority\'s own time zone, with its offset.' }),
  immediate: z.boolean().openapi({ description: '"Immediately / without undue delay": due at once, with the team\'s working target in target_at.' }),
  target_at: timestampOut.nullable(),
  target_local: z.string().nullable(),
  legal_latest_at: timestampOut.nullable().openapi({ description: 'Where a statute moves a period ending on a weekend or holiday to the next working day: the latest the law allows. due_at keeps the earlier day.' }),
  legal_latest_local: z.string().nullable(),
  legal_latest_basis: z.string().nullable().openapi({ description: 'The article that allows the later day.' }),
  filed_at: timestampOut.nullable(),
  status: z.enum(statuses),
  awaiting: z.string().nullable(),
  calendar_incomplete: z.boolean(),
  calendar_gaps: z.array(z.string()),
  skipped_days: z.array(z.object({ date: z.string(), kind: z.string(), name: z.string().nullable() })),
});

export const obligationSchema = z
  .object({
    rule_id: z.string(),
    key: z.string().openapi({ description: 'rule_id, or rule_id:target for a duty owed to several authorities.' }),
    target: z.string().nullable(),
    jurisdiction: z.string(),
    law: z.string(),
    article: z.string(),
    notifies: z.object({ kind: z.enum(['authority', 'individuals', 'both', 'internal']), name: z.string() }),
    applicability: z.enum(['applies', 'possible', 'not_applicable']),
    unknown_facts: z.array(z.string()),
    rule_status: z.enum(['in_force', 'not_in_force', 'proposed', 'voluntary']),
    anchor: z.object({ name: z.string(), at: timestampOut.nullable(), wording: z.string() }),
    time_zone: z.string(),
    due_at: timestampOut.nullable(),
    due_local: z.string().nullable(),
    immediate: z.boolean(),
    target_at: timestampOut.nullable(),
    target_local: z.string().nullable(),
    legal_latest_at: timestampOut.nullable().openapi({ description: 'Where a statute moves a period ending on a weekend or holiday to the next working day: the latest the law allows. due_at keeps the earlier day.' }),
    legal_latest_local: z.string().nullable(),
    legal_latest_basis: z.string().nullable().openapi({ description: 'The article that allows the later day.' }),
    status: z.enum(statuses),
    calendar_incomplete: z.boolean().openapi({ description: 'A window crosses a year with no official holiday schedule for its calendar: the days counted may be wrong.' }),
    calendar_gaps: z.array(z.string()),
    awaiting_anchor: z.string().nullable().openapi({ description: 'The clock anchor not recorded yet; no date is guessed.' }),
    not_applicable_reason: z.string().nullable(),
    stages: z.array(stageSchema),
    required_content: z.array(z.string()),
    confidence: z.enum(['confirmed', 'uncertain']),
    source: z.object({ citation: z.string(), url: z.string() }),
    trace: z.array(z.object({ kind: z.string(), text: z.string() })).openapi({ description: 'Why: the facts that triggered or excluded the rule, the article, how the date was computed, the days skipped.' }),
  })
  .openapi('Obligation');

export const evaluationSchema = z
  .object({
    incident_id: z.string(),
    incident_version: z.number().int(),
    evaluated_at: timestampOut,
    counts_source: z.enum(['affected_snapshot', 'incident_estimate']).openapi({ description: 'Counts come from the resolved affected snapshot, or from the incident\'s regions and estimate before one exists.' }),
    individuals_notified: z.object({ at: timestampOut.nullable(), source: z.enum(['deliveries', 'recorded', 'none']), detail: z.string() }),
    profile_version: z
      .object({ version: z.number().int().nullable(), effective_from: timestampOut.nullable(), pinned: z.boolean(), detail: z.string() })
      .openapi({ description: 'The organisation profile version the incident is judged with: the one in force at its aware_at, or the one a responder pinned.' }),
    counts: z.record(z.string(), z.number().int()).openapi({
      description: 'Obligations that apply (and not-applicable ones) per status; `possible` counts those whose facts are unknown, apart; `calendar_incomplete` those with a window over a year without an official holiday schedule.',
    }),
    obligations: z.array(obligationSchema),
  })
  .openapi('Obligations');

const boolOpt = z.boolean().nullable().optional();

export const whatIfBody = z
  .strictObject({
    facts: z
      .strictObject({
        nature: z.enum(natures).optional(),
        severity: z.enum(severities).optional(),
        regions: z.array(regionCode).max(300).optional(),
        data_categories: z.array(z.enum(dataCategories)).max(dataCategories.length).optional(),
        encrypted: z.boolean().nullable().optional(),
        estimated_affected: z.strictObject({ total: z.number().int().min(0).optional(), by_region: z.record(regionCode, z.number().int().min(0)).optional() }).nullable().optional(),
        occurred_from: timestamp.nullable().optional(),
        discovered_at: timestamp.optional(),
        aware_at: timestamp.nullable().optional(),
        determined_at: timestamp.nullable().optional(),
        assessment_completed_at: timestamp.nullable().optional(),
        materiality_determined_at: timestamp.nullable().optional(),
        individuals_notified_at: timestamp.nullable().optional(),
        disposal_ended_at: timestamp.nullable().optional(),
        risk_of_harm: z.enum(riskLevels).nullable().optional(),
        encryption_key_exposed: boolOpt,
        credentials_exposed: boolOpt,
        malicious: boolOpt,
        cac_grade: z.enum(cacGrades).nullable().optional(),
        direct_loss_rmb: z.number().min(0).nullable().optional(),
        data_held_in: z.array(regionCode).max(300).nullable().optional(),
        product_vulnerability: boolOpt,
        national_security_or_public_interest: boolOpt,
        internal_only: boolOpt,
        large_scale: boolOpt,
      })
      .default({})
      .openapi({ description: 'Facts to change for this evaluation, e.g. {"encrypted": true}.' }),
    add_affected: z
      .record(regionCode, z.number().int().min(-1e9).max(1e9))
      .default({})
      .openapi({ description: 'People to add (negative: remove) per region, on top of the snapshot or estimate, e.g. {"US-TX": 12000}.', example: { 'US-TX': 12000 } }),
    organisation: z
      .strictObject({
        cii_operator: boolOpt,
        hipaa_covered_entity: boolOpt,
        sec_domestic_registrant: boolOpt,
        tw_digital_economy_business: boolOpt,
        au_app_entity: boolOpt,
        br_small_processing_agent: boolOpt,
      })
      .default({}),
    enable_rules: z.array(z.string().max(100)).max(100).default([]).openapi({ description: 'Proposed or not-yet-in-force rules to evaluate anyway.' }),
    filings: z.array(z.strictObject({ rule_id: z.string().max(100), stage: z.string().max(60).default('initial'), target: z.string().max(10).nullable().default(null), filed_at: timestamp })).max(200).default([]),
    at: timestamp.nullable().default(null).openapi({ description: 'Evaluate as of this time instead of now.' }),
  })
  .openapi('WhatIf');

export const changeSchema = z.object({
  key: z.string(),
  rule_id: z.string(),
  from: z.object({ status: z.string(), due_at: timestampOut.nullable() }).nullable(),
  to: z.object({ status: z.string(), due_at: timestampOut.nullable() }).nullable(),
});

export const filingBody = z
  .strictObject({
    stage: z.string().max(60).default('initial'),
    target: z.string().max(10).nullable().default(null).openapi({ description: 'For a duty owed to several authorities (GDPR: one per member state), the one filed with.' }),
    filed_at: timestamp.optional().openapi({ description: 'When it was filed; now when left out.' }),
    reference: text(200).nullable().default(null).openapi({ description: 'The authority\'s reference or receipt number.' }),
    document: text(200_000).nullable().default(null).openapi({ description: 'The report as filed, or a link to where it is kept.' }),
    note: text(2000).nullable().default(null),
  })
  .openapi('NewFiling');

export const filingSchema = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    stage: z.string(),
    target: z.string().nullable(),
    filed_at: timestampOut,
    filed_by: z.string(),
    reference: z.string().nullable(),
    document: z.string().nullable(),
    note: z.string().nullable(),
    due_at: timestampOut.nullable().openapi({ description: 'The stage\'s due time (or working target) when the filing was recorded.' }),
    on_time: z.boolean().nullable().openapi({ description: 'Met or late, derived from due_at; null when the due time was not known.' }),
    created_at: timestampOut,
  })
  .openapi('Filing');

export const determinationBody = z
  .strictObject({
    applies: z.boolean(),
    note: text(4000).pipe(z.string().min(1, 'say why: the note goes on the timeline')),
  })
  .openapi('Determination');

export const pinBody = z
  .strictObject({
    version: z.number().int().min(1).nullable().openapi({ description: 'The profile version to judge the incident with; null returns to the one in force at its aware_at.' }),
    note: text(2000).pipe(z.string().min(1, 'say why: the note goes on the timeline')),
  })
  .openapi('ProfilePin');
