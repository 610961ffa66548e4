// The notice editor's fields: flat `locales.en.headline`-style names, as the API names them in its problems.
import { noticeLocales, type NoticeContent } from '../notices/content.js';

export const localizedFields = ['headline', 'nature_and_impact', 'measures', 'self_protection', 'remedies', 'sms_summary'] as const;
export const contactFields = ['email', 'phone', 'url', 'hours'] as const;

/** Every field name of the editor, in the order shown. */
export const noticeFieldNames = [...noticeLocales.flatMap((l) => localizedFields.map((f) => `locales.${l}.${f}`)), ...contactFields.map((f) => `contact.${f}`)];

/** The posted fields, kept as typed (unknown names dropped). */
export function noticeFieldsOf(form: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of noticeFieldNames) {
    const v = form[name];
    out[name] = (Array.isArray(v) ? v[0] : v) ?? '';
  }
  return out;
}

/** The content the API would receive: nested, with an empty optional `hours` left out. */
export function noticeBodyOf(fields: Record<string, string>): unknown {
  const contact: Record<string, string> = {};
  for (const f of contactFields) if (fields[`contact.${f}`] || f !== 'hours') contact[f] = fields[`contact.${f}`] ?? '';
  return {
    locales: Object.fromEntries(noticeLocales.map((l) => [l, Object.fromEntries(localizedFields.map((f) => [f, fields[`locales.${l}.${f}`] ?? '']))])),
    contact,
  };
}

/** A frozen version's content as editor fields, to start the next draft from. */
export function noticeFieldsFrom(content: NoticeContent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of noticeLocales) for (const f of localizedFields) out[`locales.${l}.${f}`] = content.locales[l][f];
  for (const f of contactFields) out[`contact.${f}`] = content.contact[f] ?? '';
  return out;
}
