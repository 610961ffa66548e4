// One line of a directory import: validated field by field, with reasons that never quote the value.
import { z } from '@hono/zod-openapi';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { dataCategories, isCountryCode, isSubdivisionCode } from '../incidents/vocabulary.js';
import type { DirectoryUser } from './store.js';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `longer than ${max} characters`)
    .transform((s) => (s === '' ? null : s))
    .nullish()
    .transform((v) => v ?? null);

// Built once: a schema made inside a refinement would be rebuilt for every line.
const emailFormat = z.email();
const timestampFormat = z.iso.datetime({ offset: true });
const dateFormat = z.iso.date();

const e164 = optionalText(20).refine((v) => v === null || (/^\+[1-9]\d{6,14}$/.test(v) && isValidPhoneNumber(v)), { message: 'not a valid phone number in E.164 form (+country code and number)' });
const email = optionalText(254).refine((v) => v === null || emailFormat.safeParse(v).success, { message: 'not a valid email address' });
const timestamp = optionalText(40).refine((v) => v === null || timestampFormat.safeParse(v).success, { message: 'not an RFC 3339 timestamp with an offset' });
const date = optionalText(10).refine((v) => v === null || dateFormat.safeParse(v).success, { message: 'not a date (YYYY-MM-DD)' });

const bool = z
  .union([z.boolean(), z.string().trim().toLowerCase()])
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return null;
    if (typeof v === 'boolean') return v;
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'not true or false' });
    return z.NEVER;
  });

/** Lists arrive as arrays (NDJSON) or `;`-separated text (CSV). */
const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .union([z.array(z.string()), z.string()])
    .nullish()
    .transform((v) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : v.split(';')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).max(200));

// A directory holds few distinct locales: remember the verdict for each.
const localeVerdicts = new Map<string, boolean>();
function isLanguageTag(v: string): boolean {
  let ok = localeVerdicts.get(v);
  if (ok === undefined) {
    try {
      ok = Intl.getCanonicalLocales(v).length === 1;
    } catch {
      ok = false;
    }
    if (localeVerdicts.size < 10_000) localeVerdicts.set(v, ok);
  }
  return ok;
}

const locale = optionalText(35).refine((v) => v === null || isLanguageTag(v), { message: 'not a BCP 47 language tag' });

const address = z
  .object({
    line1: optionalText(200),
    line2: optionalText(200),
    city: optionalText(100),
    region: optionalText(100),
    postal_code: optionalText(20),
    country: optionalText(2),
  })
  .strict()
  .nullish()
  .transform((a) => (a && Object.values(a).some((v) => v !== null) ? a : null));

export const directoryRecord = z
  .object({
    external_id: z.string().trim().min(1, 'is required').max(200, 'longer than 200 characters'),
    name: optionalText(200),
    email,
    phone: e164,
    locale,
    country: optionalText(2).refine((v) => v === null || isCountryCode(v), { message: 'not an ISO 3166-1 alpha-2 country code' }),
    subdivision: optionalText(10).refine((v) => v === null || isSubdivisionCode(v), { message: 'not an ISO 3166-2 subdivision code' }),
    birth_date: date,
    minor: bool,
    guardian_name: optionalText(200),
    guardian_email: email,
    guardian_phone: e164,
    postal_address: address,
    account_status: z.enum(['active', 'deleted'], { message: 'must be active or deleted' }).nullish().transform((v) => v ?? 'active'),
    deleted_at: timestamp,
    data_categories: list(z.enum(dataCategories, { message: 'not a data category of the policy' })),
    systems: list(z.string().max(200)),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.subdivision && r.country && !r.subdivision.startsWith(`${r.country}-`)) ctx.addIssue({ code: 'custom', path: ['subdivision'], message: 'is not in the given country' });
    if (r.account_status === 'deleted' && !r.deleted_at) ctx.addIssue({ code: 'custom', path: ['deleted_at'], message: 'is required for a deleted account' });
    if (r.account_status === 'active' && r.deleted_at) ctx.addIssue({ code: 'custom', path: ['deleted_at'], message: 'must be empty for an active account' });
  });

export interface LineProblem {
  field: string;
  reason: string;
}

/** Validates one parsed line; `now` fills created/updated times the source did not give. */
export function toDirectoryUser(input: unknown, now: Date): { user: DirectoryUser } | { problems: LineProblem[] } {
  const parsed = directoryRecord.safeParse(input);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => ({
        field: i.code === 'unrecognized_keys' ? i.keys.join(',') : i.path.join('.') || '(line)',
        reason: i.code === 'unrecognized_keys' ? 'unknown field' : i.message,
      })),
    };
  }
  const r = parsed.data;
  const stamp = now.toISOString();
  return {
    user: {
      ...r,
      subdivision: r.subdivision,
      country: r.country ?? (r.subdivision ? r.subdivision.split('-')[0]! : null),
      created_at: r.created_at ?? stamp,
      updated_at: r.updated_at ?? stamp,
    },
  };
}

/** CSV columns: nested values use dotted names (`address.city`); lists are `;`-separated. */
export const csvColumns = [
  'external_id', 'name', 'email', 'phone', 'locale', 'country', 'subdivision', 'birth_date', 'minor', 'guardian_name', 'guardian_email',
  'guardian_phone', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postal_code', 'address.country',
  'account_status', 'deleted_at', 'data_categories', 'systems', 'created_at', 'updated_at',
] as const;

/** A CSV row as the object NDJSON would carry. */
export function csvRowToObject(header: string[], fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const value = fields[i] ?? '';
    if (name.startsWith('address.')) {
      const address = (out.postal_address ??= {}) as Record<string, string>;
      address[name.slice('address.'.length)] = value;
    } else {
      out[name] = value;
    }
  });
  return out;
}
