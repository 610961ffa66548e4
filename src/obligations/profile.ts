// The organisation profile: who the company is (which decides the regimes that reach it), who is on call
// for deadline reminders, and the team's working targets. Edited by an admin; every change is a new version.
import { z } from '@hono/zod-openapi';
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
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

/** One recorded version of the profile; the first one ever recorded is in force from the beginning. */
export interface ProfileVersion {
  version: number;
  profile: Profile;
  /** From when this version is in force (null: from the beginning). */
  effective_from: Date | null;
  created_at: Date;
  created_by: string;
}

interface VersionRow {
  version: number;
  profile: unknown;
  effective_from: Date | null;
  created_at: Date;
  created_by: string;
}

// Stored profiles were valid when written; parsing again fills fields added since.
const revive = (r: VersionRow): ProfileVersion => ({ ...r, profile: profileSchema.parse(r.profile) });

/** The newest version, or null before any was recorded. */
export async function currentProfile(db: Db): Promise<ProfileVersion | null> {
  const [row] = await db<VersionRow[]>`
    select version, profile, effective_from, created_at, created_by from organisation_profile_versions order by version desc limit 1`;
  return row ? revive(row) : null;
}

export async function listProfileVersions(db: Db): Promise<ProfileVersion[]> {
  const rows = await db<VersionRow[]>`
    select version, profile, effective_from, created_at, created_by from organisation_profile_versions order by version desc`;
  return rows.map(revive);
}

export async function getProfileVersion(db: Db, version: number): Promise<ProfileVersion | null> {
  const [row] = await db<VersionRow[]>`
    select version, profile, effective_from, created_at, created_by from organisation_profile_versions where version = ${version}`;
  return row ? revive(row) : null;
}

/** The current profile with who last changed it (the profile route and the reminders read this). */
export async function loadProfile(db: Db): Promise<Profile & { version: number | null; updated_at: Date | null; updated_by: string | null }> {
  const v = await currentProfile(db);
  if (!v) return { ...emptyProfile, version: null, updated_at: null, updated_by: null };
  return { ...v.profile, version: v.version, updated_at: v.created_at, updated_by: v.created_by };
}

/** Records a new version, in force from `at`; earlier versions stay as they were for the incidents they judge. */
export async function saveProfile(db: Db, profile: Profile, by: string, at: Date): Promise<ProfileVersion> {
  return inTransaction(db, async (tx) => {
    // Serialises writers so version numbers follow one another.
    await tx`select pg_advisory_xact_lock(hashtext('organisation_profile_versions'))`;
    const [last] = await tx<{ version: number }[]>`select coalesce(max(version), 0)::int as version from organisation_profile_versions`;
    const version = (last?.version ?? 0) + 1;
    const effectiveFrom = version === 1 ? null : at;
    await tx`
      insert into organisation_profile_versions (version, profile, effective_from, created_at, created_by)
      values (${version}, ${tx.json(profile as never)}, ${effectiveFrom}, ${at}, ${by})`;
    return { version, profile, effective_from: effectiveFrom, created_at: at, created_by: by };
  });
}

/** The profile an incident is judged with: the pinned version, else the one in force at the moment given. */
export interface JudgedProfile {
  profile: Profile;
  version: number | null;
  effective_from: Date | null;
  pin: { note: string; pinned_by_name: string; pinned_at: Date } | null;
  detail: string;
}

export async function profileForIncident(db: Db, incidentId: string, at: Date): Promise<JudgedProfile> {
  const [row] = await db<(Partial<VersionRow> & { note: string | null; pinned_by_name: string | null; pinned_at: Date | null })[]>`
    select v.version, v.profile, v.effective_from, p.note, p.pinned_by_name, p.pinned_at
    from (select 1) one
    left join incident_profile_pins p on p.incident_id = ${incidentId}
    left join lateral (
      select version, profile, effective_from from organisation_profile_versions
      where case when p.profile_version is null then effective_from is null or effective_from <= ${at} else version = p.profile_version end
      order by version desc limit 1
    ) v on true`;
  if (!row?.version) {
    return { profile: emptyProfile, version: null, effective_from: null, pin: null, detail: 'no organisation profile recorded: every fact about the organisation is unknown' };
  }
  const profile = profileSchema.parse(row.profile);
  const effectiveFrom = row.effective_from ?? null;
  if (row.pinned_at && row.note !== null && row.pinned_by_name) {
    return {
      profile,
      version: row.version,
      effective_from: effectiveFrom,
      pin: { note: row.note, pinned_by_name: row.pinned_by_name, pinned_at: row.pinned_at },
      detail: `profile version ${row.version}, pinned by ${row.pinned_by_name} on ${row.pinned_at.toISOString()}: ${row.note}`,
    };
  }
  const since = effectiveFrom ? `in force since ${effectiveFrom.toISOString()}` : 'in force from the beginning';
  return { profile, version: row.version, effective_from: effectiveFrom, pin: null, detail: `profile version ${row.version} (${since}), the one in force at ${at.toISOString()}` };
}

/** Pins a profile version to an incident (or, with null, lets the one in force at its aware_at judge it again). */
export async function pinProfile(db: Db, incidentId: string, version: number | null, note: string, by: { id: string; name: string }, at: Date): Promise<void> {
  if (version === null) {
    await db`delete from incident_profile_pins where incident_id = ${incidentId}`;
    return;
  }
  await db`
    insert into incident_profile_pins (incident_id, profile_version, note, pinned_by, pinned_by_name, pinned_at)
    values (${incidentId}, ${version}, ${note}, ${by.id}, ${by.name}, ${at})
    on conflict (incident_id) do update set profile_version = excluded.profile_version, note = excluded.note,
      pinned_by = excluded.pinned_by, pinned_by_name = excluded.pinned_by_name, pinned_at = excluded.pinned_at`;
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
