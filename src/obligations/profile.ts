// The organisation profile: who the company is (which decides the regimes that reach it), who is on call
// for deadline reminders, and the team's working targets. One row, edited by an admin.
import { z } from '@hono/zod-openapi';
import type { Db } from '../db/client.js';
import { label, text } from '../lib/schema.js';
import type { EvaluationOptions, OrganisationProfile } from './types.js';

const flag = (description: string) => z.boolean().nullable().default(null).openapi({ description });

const onCallPerson = z
  .strictObject({
    name: label,
    email: z.email().max(320).nullable().default(null),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number, e.g. +14155550100')
      .nullable()
      .default(null),
  })
  .refine((p) => p.email !== null || p.phone !== null, { message: 'needs an email or a phone number', path: ['email'] });

/** Shares of each window at which the on-call responders are reminded; 1 is the due time itself. */
export const defaultReminderThresholds = [0.5, 0.75, 0.9, 1] as const;

export const profileSchema = z
  .strictObject({
    name: text(200).default('').openapi({ description: 'The company name used in report drafts.' }),
    contact: z
      .strictObject({
        name: text(200).default(''),
        email: z.email().max(320).nullable().default(null),
        phone: text(40).nullable().default(null),
        address: text(1000).nullable().default(null),
      })
      .default({ name: '', email: null, phone: null, address: null })
      .openapi({ description: 'The contact point named in reports (data protection officer or privacy team).' }),
    return_address: z
      .strictObject({
        name: text(200).pipe(z.string().min(1)),
        line1: text(200).pipe(z.string().min(1)),
        line2: text(200).nullable().default(null),
        city: text(100).nullable().default(null),
        region: text(100).nullable().default(null),
        postal_code: text(20).nullable().default(null),
        country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. DE'),
      })
      .nullable()
      .default(null)
      .openapi({ description: 'The postal address printed on letters as sender and return address (returned mail comes back here).' }),
    cii_operator: flag('A critical information infrastructure operator under PRC law (1-hour CAC reports).'),
    hipaa_covered_entity: flag('A HIPAA covered entity or business associate.'),
    sec_domestic_registrant: flag('Files periodic reports with the US SEC (Form 8-K item 1.05).'),
    tw_digital_economy_business: flag('A business the Taiwan Ministry of Digital Affairs oversees.'),
    au_app_entity: flag('An APP entity under the Australian Privacy Act.'),
    br_small_processing_agent: flag('A small processing agent under ANPD rules (doubled deadlines).'),
    on_call: z.array(onCallPerson).max(50).default([]).openapi({ description: 'Responders who receive deadline reminders by email and SMS.' }),
    reminder_thresholds: z
      .array(z.number().gt(0).max(1))
      .min(1)
      .max(10)
      .transform((a) => [...new Set(a)].sort((x, y) => x - y))
      .default([...defaultReminderThresholds])
      .openapi({ description: 'Shares of each window at which reminders go out; 1 means at the due time.' }),
    immediate_target_hours: z.number().positive().max(24 * 30).default(24).openapi({ description: 'Working target for duties due "without undue delay".' }),
    immediate_target_by_rule: z.record(z.string().max(100), z.number().positive().max(24 * 30)).default({}),
    due_soon_hours: z.number().positive().max(24 * 30).nullable().default(null).openapi({ description: 'A stage is also due soon this many hours before its due time.' }),
  })
  .openapi('OrganisationProfile');

export type Profile = z.output<typeof profileSchema>;

export const emptyProfile: Profile = profileSchema.parse({});

export async function loadProfile(db: Db): Promise<Profile & { updated_at: Date | null; updated_by: string | null }> {
  const [row] = await db<{ profile: unknown; updated_at: Date; updated_by: string }[]>`select profile, updated_at, updated_by from organisation_profile where id = 1`;
  if (!row) return { ...emptyProfile, updated_at: null, updated_by: null };
  // Stored profiles were valid when written; parsing again fills fields added since.
  return { ...profileSchema.parse(row.profile), updated_at: row.updated_at, updated_by: row.updated_by };
}

export async function saveProfile(db: Db, profile: Profile, by: string, at: Date): Promise<void> {
  await db`
    insert into organisation_profile (id, profile, updated_at, updated_by) values (1, ${db.json(profile as never)}, ${at}, ${by})
    on conflict (id) do update set profile = excluded.profile, updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
}

/** The facts about the organisation the rules read. */
export function organisationFacts(p: Profile): OrganisationProfile {
  return {
    cii_operator: p.cii_operator,
    hipaa_covered_entity: p.hipaa_covered_entity,
    sec_domestic_registrant: p.sec_domestic_registrant,
    tw_digital_economy_business: p.tw_digital_economy_business,
    au_app_entity: p.au_app_entity,
    br_small_processing_agent: p.br_small_processing_agent,
  };
}

export function evaluationOptions(p: Profile): EvaluationOptions {
  return {
    immediateTargetHours: p.immediate_target_hours,
    immediateTargetByRule: p.immediate_target_by_rule,
    ...(p.due_soon_hours === null ? {} : { dueSoon: { hours: p.due_soon_hours } }),
  };
}
