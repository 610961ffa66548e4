// Form fields to API bodies and back: the console posts plain HTML forms, the services take what the API takes.
import type { FieldProblem } from '../errors.js';
import type { Incident } from '../incidents/service.js';
import type { Problems } from './layout.js';

/** The incident facts a console form edits, as the API names them (estimated_total is estimated_affected.total). */
export const timeFields = ['occurred_from', 'occurred_to', 'discovered_at', 'aware_at', 'contained_at'] as const;
export const laterAnchors = ['determined_at', 'assessment_completed_at', 'individuals_notified_at', 'disposal_ended_at'] as const;
export const formFields = ['title', 'summary', 'nature', 'severity', 'drill', ...timeFields, ...laterAnchors, 'systems', 'data_categories', 'regions', 'encrypted', 'estimated_total'] as const;
export type FormField = (typeof formFields)[number];

/** What a form posted: every value as text, checkbox groups as lists. */
export type FormValues = Partial<Record<FormField, string | string[]>>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.at(-1) : v)?.trim() ?? '';
const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

/** `<input type="datetime-local">` gives a time without a zone; the form says it is UTC. Anything else goes to the API's check as typed. */
export function utcFromLocalInput(v: string): string | null {
  if (v === '') return null;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) ? `${v.length === 16 ? `${v}:00` : v}Z` : v;
}

/** A stored time as the form shows it (UTC, to the second). */
export function localInputOf(d: Date | null): string {
  return d ? d.toISOString().slice(0, 19) : '';
}

/** The JSON body the API would receive for these form values (before its schema checks it). */
export function incidentBodyOf(form: FormValues, only?: ReadonlySet<FormField>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const put = (field: FormField, value: unknown) => {
    if (!only || only.has(field)) body[field === 'estimated_total' ? 'estimated_affected' : field] = value;
  };
  put('title', one(form.title));
  put('summary', one(form.summary));
  put('nature', one(form.nature));
  put('severity', one(form.severity));
  put('drill', one(form.drill) === 'true');
  for (const f of [...timeFields, ...laterAnchors]) put(f, utcFromLocalInput(one(form[f])));
  put('systems', one(form.systems).split(/[\n,]/).map((s) => s.trim()).filter(Boolean));
  put('data_categories', list(form.data_categories));
  put('regions', one(form.regions).split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean));
  const encrypted = one(form.encrypted);
  put('encrypted', encrypted === '' ? null : encrypted === 'true');
  const total = one(form.estimated_total);
  put('estimated_total', total === '' ? null : { total: /^\d+$/.test(total) ? Number(total) : total });
  if (body.discovered_at === null) delete body.discovered_at;
  return body;
}

/** The form values that show a stored incident. */
export function formValuesOf(i: Incident): Record<FormField, string | string[]> {
  return {
    title: i.title,
    summary: i.summary,
    nature: i.nature,
    severity: i.severity,
    drill: String(i.drill),
    occurred_from: localInputOf(i.occurred_from),
    occurred_to: localInputOf(i.occurred_to),
    discovered_at: localInputOf(i.discovered_at),
    aware_at: localInputOf(i.aware_at),
    contained_at: localInputOf(i.contained_at),
    determined_at: localInputOf(i.determined_at),
    assessment_completed_at: localInputOf(i.assessment_completed_at),
    individuals_notified_at: localInputOf(i.individuals_notified_at),
    disposal_ended_at: localInputOf(i.disposal_ended_at),
    systems: i.systems.join('\n'),
    data_categories: i.data_categories,
    regions: i.regions.join(', '),
    encrypted: i.encrypted === null ? '' : String(i.encrypted),
    estimated_total: i.estimated_affected?.total === undefined ? '' : String(i.estimated_affected.total),
  };
}

/** The fields whose posted value differs from what the form showed: only those are sent as a change. */
export function changedFields(posted: FormValues, shown: Record<FormField, string | string[]>): Set<FormField> {
  const norm = (v: string | string[] | undefined) => (Array.isArray(v) ? [...v].sort().join('\n') : (v ?? '').trim().replace(/\r\n/g, '\n'));
  return new Set(formFields.filter((f) => norm(posted[f] ?? (f === 'drill' ? 'false' : f === 'data_categories' ? [] : '')) !== norm(shown[f])));
}

/** Places the API's field problems on the form's fields; problems about fields the form lacks are kept apart. */
export function placeProblems(problems: readonly FieldProblem[]): { byField: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    const [head] = p.field.split('.');
    const field = head === 'estimated_affected' ? 'estimated_total' : head;
    if (field && (formFields as readonly string[]).includes(field)) {
      const detail = p.field.includes('.') && field !== 'estimated_total' ? `${p.field.slice(head!.length + 1)}: ${p.message}` : p.message;
      (byField[field] ??= []).push(detail);
    } else other.push(p);
  }
  return { byField, other };
}

/** Reads a posted form into text values (several values under one name, as checkboxes send them, become a list). */
export function formValues(parsed: Record<string, string | File | (string | File)[]>): FormValues & Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(parsed)) {
    const texts = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    out[k] = Array.isArray(v) ? texts : (texts[0] ?? '');
  }
  return out;
}
