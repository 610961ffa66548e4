// One line of a directory import: validated field by field, with reasons that never quote the value.
import { z } from '@hono/zod-openapi';
import { dataCategories, isCountryCode, isSubdivisionCode } from '../incidents/vocabulary.js';
import { isValidE164 } from './phone.js';
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

const e164 = optionalText(20).refine((v) => v === null || isValidE164(v), { message: 'not a valid phone number in E.164 form (+country code and number)' });
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
export function toDirectoryUser(input: unknown, now: Date | (() => Date)): { user: DirectoryUser } | { problems: LineProblem[] } {
  const fast = wellFormedUser(input, now);
  if (fast) return { user: fast };
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
  const stamp = (typeof now === 'function' ? now() : now).toISOString();
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

// The fast path. Most lines of a directory file are well formed, and building them through the
// schema costs more than the rest of the import together. These checks accept only what
// `directoryRecord` accepts and give the same user; anything they cannot vouch for (undefined
// below) goes through the schema, which words the problems.

const emailPattern = emailFormat.def.pattern;
const timestampPattern = timestampFormat.def.pattern;
const datePattern = dateFormat.def.pattern;
const categorySet = new Set<string>(dataCategories);
const recordFields = new Set(Object.keys(directoryRecord.shape));
const addressLimits = new Map(Object.entries({ line1: 200, line2: 200, city: 100, region: 100, postal_code: 20, country: 2 }));

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function text(v: unknown, max: number): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t.length > max) return undefined;
  return t === '' ? null : t;
}

function matching(v: unknown, max: number, pattern: RegExp | undefined): string | null | undefined {
  const t = text(v, max);
  return t === null || (t !== undefined && pattern !== undefined && pattern.test(t)) ? t : undefined;
}

function phone(v: unknown): string | null | undefined {
  const t = text(v, 20);
  return t === null || (t !== undefined && isValidE164(t)) ? t : undefined;
}

function flag(v: unknown): boolean | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (s === '') return null;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  return undefined;
}

function items(v: unknown, ok: (s: string) => boolean): string[] | undefined {
  if (v === null || v === undefined) return [];
  let raw: unknown[];
  if (typeof v === 'string') raw = v.split(';');
  else if (Array.isArray(v)) raw = v;
  else return undefined;
  const out: string[] = [];
  for (const s of raw) {
    if (typeof s !== 'string') return undefined;
    const t = s.trim();
    if (t === '') continue;
    if (!ok(t)) return undefined;
    out.push(t);
  }
  return out.length <= 200 ? out : undefined;
}

function postalAddress(v: unknown): Record<string, string | null> | null | undefined {
  if (v === null || v === undefined) return null;
  if (!isPlainObject(v)) return undefined;
  for (const k in v) if (!addressLimits.has(k)) return undefined;
  const out: Record<string, string | null> = {};
  let any = false;
  for (const [k, max] of addressLimits) {
    const t = text(v[k], max);
    if (t === undefined) return undefined;
    out[k] = t;
    if (t !== null) any = true;
  }
  return any ? out : null;
}

export function wellFormedUser(input: unknown, now: Date | (() => Date)): DirectoryUser | undefined {
  if (!isPlainObject(input)) return undefined;
  for (const k in input) if (!recordFields.has(k)) return undefined;
  const id = input.external_id;
  if (typeof id !== 'string') return undefined;
  const externalId = id.trim();
  if (externalId.length === 0 || externalId.length > 200) return undefined;
  const name = text(input.name, 200);
  const email = matching(input.email, 254, emailPattern);
  const phoneNumber = phone(input.phone);
  const locale = text(input.locale, 35);
  const country = text(input.country, 2);
  const subdivision = text(input.subdivision, 10);
  const birthDate = matching(input.birth_date, 10, datePattern);
  const minor = flag(input.minor);
  const guardianName = text(input.guardian_name, 200);
  const guardianEmail = matching(input.guardian_email, 254, emailPattern);
  const guardianPhone = phone(input.guardian_phone);
  const address = postalAddress(input.postal_address);
  const status = input.account_status ?? 'active';
  const deletedAt = matching(input.deleted_at, 40, timestampPattern);
  const categories = items(input.data_categories, (s) => categorySet.has(s));
  const systems = items(input.systems, (s) => s.length <= 200);
  const createdAt = matching(input.created_at, 40, timestampPattern);
  const updatedAt = matching(input.updated_at, 40, timestampPattern);
  if (
    name === undefined || email === undefined || phoneNumber === undefined || locale === undefined || country === undefined ||
    subdivision === undefined || birthDate === undefined || minor === undefined || guardianName === undefined ||
    guardianEmail === undefined || guardianPhone === undefined || address === undefined || deletedAt === undefined ||
    categories === undefined || systems === undefined || createdAt === undefined || updatedAt === undefined
  ) return undefined;
  if (status !== 'active' && status !== 'deleted') return undefined;
  if (locale !== null && !isLanguageTag(locale)) return undefined;
  if (country !== null && !isCountryCode(country)) return undefined;
  if (subdivision !== null && !isSubdivisionCode(subdivision)) return undefined;
  if (subdivision && country && !subdivision.startsWith(`${country}-`)) return undefined;
  if ((status === 'deleted') !== (deletedAt !== null)) return undefined;
  let stamp: string | undefined;
  const nowText = () => (stamp ??= (typeof now === 'function' ? now() : now).toISOString());
  return {
    external_id: externalId,
    name,
    email,
    phone: phoneNumber,
    locale,
    country: country ?? (subdivision ? subdivision.split('-')[0]! : null),
    subdivision,
    birth_date: birthDate,
    minor,
    guardian_name: guardianName,
    guardian_email: guardianEmail,
    guardian_phone: guardianPhone,
    postal_address: address,
    account_status: status,
    deleted_at: deletedAt,
    data_categories: categories,
    systems,
    created_at: createdAt ?? nowText(),
    updated_at: updatedAt ?? nowText(),
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
