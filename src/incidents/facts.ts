// Consistency rules for an incident's facts: what cannot all be true at once is refused, field by field.
import type { FieldProblem } from '../errors.js';
import type { Status } from './lifecycle.js';

/** How far a recorded time may run ahead of our clock (the reporter's clock may be a little fast). */
export const clockSkewMs = 5 * 60 * 1000;

export interface Measure {
  description: string;
  at: Date;
  state: 'taken' | 'planned';
}

export interface EstimatedAffected {
  total?: number | undefined;
  by_region?: Record<string, number> | undefined;
}

export interface FactsToCheck {
  status: Status;
  occurred_from: Date | null;
  occurred_to: Date | null;
  discovered_at: Date;
  aware_at: Date | null;
  contained_at: Date | null;
  closed_at: Date | null;
  determined_at: Date | null;
  assessment_completed_at: Date | null;
  materiality_determined_at: Date | null;
  individuals_notified_at: Date | null;
  disposal_ended_at: Date | null;
  regions: string[];
  estimated_affected: EstimatedAffected | null;
  measures: Measure[];
}

/**
 * The rules, each reported against the field that breaks it:
 * 1. `occurred_to` is not before `occurred_from`.
 * 2. `discovered_at` is not before `occurred_from`: nothing is discovered before it begins.
 * 3. `aware_at` is not before `discovered_at`: certainty comes after discovery.
 * 4. `contained_at` is not before `occurred_from`.
 * 5. `closed_at` is set exactly when the status is `closed`, and is not before `discovered_at`.
 * 6. The later clock anchors (`determined_at`, `assessment_completed_at`, `materiality_determined_at`,
 *    `individuals_notified_at`) are not before `discovered_at`; `disposal_ended_at` is not before
 *    `occurred_from`.
 * 7. No recorded time is in the future (beyond five minutes of clock skew); a measure in
 *    state `taken` is in the past, a `planned` one may lie ahead.
 * 8. `estimated_affected.by_region` counts add up to no more than `total`, and every region
 *    counted there is listed in `regions` (itself, or its country).
 */
export function checkFacts(f: FactsToCheck, now: Date): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const before = (a: Date | null, b: Date | null) => a !== null && b !== null && a.getTime() < b.getTime();

  if (before(f.occurred_to, f.occurred_from)) problems.push({ field: 'occurred_to', message: 'must not be before occurred_from' });
  if (before(f.discovered_at, f.occurred_from)) problems.push({ field: 'discovered_at', message: 'must not be before occurred_from (nothing is discovered before it begins)' });
  if (before(f.aware_at, f.discovered_at)) problems.push({ field: 'aware_at', message: 'must not be before discovered_at' });
  if (before(f.contained_at, f.occurred_from)) problems.push({ field: 'contained_at', message: 'must not be before occurred_from' });

  for (const field of ['determined_at', 'assessment_completed_at', 'materiality_determined_at', 'individuals_notified_at'] as const) {
    if (before(f[field], f.discovered_at)) problems.push({ field, message: 'must not be before discovered_at' });
  }
  if (before(f.disposal_ended_at, f.occurred_from)) problems.push({ field: 'disposal_ended_at', message: 'must not be before occurred_from' });

  if (f.status === 'closed' && f.closed_at === null) problems.push({ field: 'closed_at', message: 'a closed incident needs closed_at' });
  if (f.status !== 'closed' && f.closed_at !== null) problems.push({ field: 'closed_at', message: `must be empty while the incident is ${f.status}` });
  if (before(f.closed_at, f.discovered_at)) problems.push({ field: 'closed_at', message: 'must not be before discovered_at' });

  const latest = now.getTime() + clockSkewMs;
  const times: [string, Date | null][] = [
    ['occurred_from', f.occurred_from],
    ['occurred_to', f.occurred_to],
    ['discovered_at', f.discovered_at],
    ['aware_at', f.aware_at],
    ['contained_at', f.contained_at],
    ['closed_at', f.closed_at],
    ['determined_at', f.determined_at],
    ['assessment_completed_at', f.assessment_completed_at],
    ['materiality_determined_at', f.materiality_determined_at],
    ['individuals_notified_at', f.individuals_notified_at],
    ['disposal_ended_at', f.disposal_ended_at],
  ];
  for (const [field, t] of times) {
    if (t !== null && t.getTime() > latest) problems.push({ field, message: 'must not be in the future' });
  }
  f.measures.forEach((m, i) => {
    if (m.state === 'taken' && m.at.getTime() > latest) {
      problems.push({ field: `measures.${i}.at`, message: 'a measure already taken cannot be dated in the future; mark it planned' });
    }
  });

  const byRegion = f.estimated_affected?.by_region;
  if (byRegion) {
    const total = f.estimated_affected?.total;
    const sum = Object.values(byRegion).reduce((a, b) => a + b, 0);
    if (total !== undefined && sum > total) {
      problems.push({ field: 'estimated_affected.total', message: `is ${total} but the regions add up to ${sum}` });
    }
    const listed = new Set(f.regions);
    for (const region of Object.keys(byRegion)) {
      const country = region.split('-')[0]!;
      if (!listed.has(region) && !listed.has(country)) {
        problems.push({ field: `estimated_affected.by_region.${region}`, message: 'this region is not listed in regions' });
      }
    }
  }
  return problems;
}
