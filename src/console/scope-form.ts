// The scope editor's fields to the API's scope body and back, and the API's field problems placed on them.
import type { FieldProblem } from '../errors.js';
import type { Scope } from '../affected/schema.js';
import { localInputOf, utcFromLocalInput } from './forms.js';
import type { Problems } from './layout.js';

export const scopeFields = ['data_categories', 'systems', 'regions', 'window_from', 'window_to', 'account_statuses', 'include_ids', 'exclude_ids'] as const;
export type ScopeField = (typeof scopeFields)[number];
export type ScopeValues = Partial<Record<ScopeField, string | string[]>>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.at(-1) : v)?.trim() ?? '';
const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);
const lines = (v: string | string[] | undefined) => one(v).split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

/** The body PUT /v1/incidents/{id}/scope would receive for these form values (before its schema checks it). */
export function scopeBodyOf(form: ScopeValues): Record<string, unknown> {
  const from = utcFromLocalInput(one(form.window_from));
  const to = utcFromLocalInput(one(form.window_to));
  return {
    data_categories: list(form.data_categories),
    systems: lines(form.systems),
    regions: one(form.regions).split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean),
    window: from === null && to === null ? null : { from, to },
    account_statuses: list(form.account_statuses),
    include_ids: lines(form.include_ids),
    exclude_ids: lines(form.exclude_ids),
  };
}

/** The form values that show a stored scope (a fresh one: everyone's account, nothing else). */
export function scopeValuesOf(scope: Scope | undefined): Record<ScopeField, string | string[]> {
  const time = (v: Date | string | null | undefined) => (v ? localInputOf(new Date(v)) : '');
  return {
    data_categories: scope?.data_categories ?? [],
    systems: scope?.systems.join('\n') ?? '',
    regions: scope?.regions.join(', ') ?? '',
    window_from: time(scope?.window?.from),
    window_to: time(scope?.window?.to),
    account_statuses: scope?.account_statuses ?? ['active', 'deleted'],
    include_ids: scope?.include_ids.join('\n') ?? '',
    exclude_ids: scope?.exclude_ids.join('\n') ?? '',
  };
}

/** Places the API's problems (`regions.2`, `window.to`, …) on the editor's fields; an item's number is shown from 1. */
export function placeScopeProblems(problems: readonly FieldProblem[]): { byField: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    const [head, rest] = [p.field.split('.')[0]!, p.field.split('.').slice(1)];
    const field = head === 'window' ? (rest[0] === 'to' ? 'window_to' : 'window_from') : head;
    if (!(scopeFields as readonly string[]).includes(field)) {
      other.push(p);
      continue;
    }
    const item = head !== 'window' && rest[0] !== undefined && /^\d+$/.test(rest[0]) ? `#${Number(rest[0]) + 1}: ` : '';
    (byField[field] ??= []).push(`${item}${p.message}`);
  }
  return { byField, other };
}
