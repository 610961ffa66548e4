// The organisation profile form's fields to the API's profile body and back, and the API's field problems placed on them.
import type { FieldProblem } from '../errors.js';
import type { Profile } from '../obligations/profile.js';
import type { Problems } from './layout.js';

export const profileFlags = ['cii_operator', 'hipaa_covered_entity', 'sec_domestic_registrant', 'tw_digital_economy_business', 'au_app_entity', 'br_small_processing_agent'] as const;
export const returnAddressFields = ['name', 'line1', 'line2', 'city', 'region', 'postal_code', 'country'] as const;
export const profileFields = [
  'name',
  'contact_name',
  'contact_email',
  'contact_phone',
  'contact_address',
  ...returnAddressFields.map((f) => `ra_${f}` as const),
  ...profileFlags,
  'on_call',
  'reminder_thresholds',
  'immediate_target_hours',
  'immediate_target_by_rule',
  'due_soon_hours',
] as const;
export type ProfileField = (typeof profileFields)[number];
export type ProfileValues = Partial<Record<ProfileField, string>>;

const orNull = (v: string | undefined) => (v?.trim() ? v.trim() : null);
/** A number as typed, or the text itself, so the API's schema names what is wrong with it. */
const num = (v: string) => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : v.trim());
const lines = (v: string | undefined) => (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** The body PUT /v1/organisation would receive for these form values (before its schema checks it). */
export function profileBodyOf(form: ProfileValues): Record<string, unknown> {
  const ra = Object.fromEntries(returnAddressFields.map((f) => [f, orNull(form[`ra_${f}`])]));
  const due = orNull(form.due_soon_hours);
  return {
    name: (form.name ?? '').trim(),
    contact: { name: (form.contact_name ?? '').trim(), email: orNull(form.contact_email), phone: orNull(form.contact_phone), address: orNull(form.contact_address) },
    return_address: Object.values(ra).every((v) => v === null) ? null : { ...ra, name: ra.name ?? '', line1: ra.line1 ?? '', country: ra.country ?? '' },
    ...Object.fromEntries(profileFlags.map((f) => [f, form[f] === 'true' ? true : form[f] === 'false' ? false : null])),
    on_call: lines(form.on_call).map((l) => {
      const [name = '', email = '', phone = ''] = l.split(';').map((x) => x.trim());
      return { name, email: email || null, phone: phone || null };
    }),
    reminder_thresholds: (form.reminder_thresholds ?? '').split(/[\s,]+/).filter(Boolean).map(num),
    immediate_target_hours: num(form.immediate_target_hours ?? ''),
    immediate_target_by_rule: Object.fromEntries(
      lines(form.immediate_target_by_rule).map((l) => {
        const at = l.indexOf('=');
        return at < 0 ? [l, l] : [l.slice(0, at).trim(), num(l.slice(at + 1))];
      }),
    ),
    due_soon_hours: due === null ? null : num(due),
  };
}

/** The form values that show a stored profile. */
export function profileValuesOf(p: Profile): Record<ProfileField, string> {
  const flag = (v: boolean | null) => (v === null ? '' : String(v));
  return {
    name: p.name,
    contact_name: p.contact.name,
    contact_email: p.contact.email ?? '',
    contact_phone: p.contact.phone ?? '',
    contact_address: p.contact.address ?? '',
    ...(Object.fromEntries(returnAddressFields.map((f) => [`ra_${f}`, p.return_address?.[f] ?? ''])) as Record<`ra_${(typeof returnAddressFields)[number]}`, string>),
    ...(Object.fromEntries(profileFlags.map((f) => [f, flag(p[f])])) as Record<(typeof profileFlags)[number], string>),
    on_call: p.on_call.map((o) => [o.name, o.email ?? '', o.phone ?? ''].join('; ')).join('\n'),
    reminder_thresholds: p.reminder_thresholds.join(', '),
    immediate_target_hours: String(p.immediate_target_hours),
    immediate_target_by_rule: Object.entries(p.immediate_target_by_rule).map(([k, v]) => `${k} = ${v}`).join('\n'),
    due_soon_hours: p.due_soon_hours === null ? '' : String(p.due_soon_hours),
  };
}

/** Places the API's problems (`contact.email`, `on_call.1.phone`, `return_address.country`, …) on the form's fields. */
export function placeProfileProblems(problems: readonly FieldProblem[]): { byField: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    const [head = '', ...rest] = p.field.split('.');
    let field: string = head;
    let detail = p.message;
    if (head === 'contact' && rest[0]) field = `contact_${rest[0]}`;
    else if (head === 'return_address') field = `ra_${rest[0] ?? 'name'}`;
    else if (head === 'on_call' || head === 'reminder_thresholds') detail = rest[0] !== undefined ? `#${Number(rest[0]) + 1}${rest[1] ? ` ${rest[1]}` : ''}: ${p.message}` : p.message;
    else if (head === 'immediate_target_by_rule' && rest.length) detail = `${rest.join('.')}: ${p.message}`;
    if ((profileFields as readonly string[]).includes(field)) (byField[field] ??= []).push(detail);
    else other.push(p);
  }
  return { byField, other };
}
