// The edges a regulator would catch: statutory days in the authority's own zone, roll-forward rules,
// years without an official PRC holiday schedule, "promptly" duties, and determinations in the trace.
import { describe, it, expect } from 'vitest';
import type { HolidaySchedule } from '../../src/obligations/holiday-schedules/index.js';
import { evaluate, incident, obligation, traceText } from './helpers.js';

describe('statutory days are days in the authority\'s zone', () => {
  // Tampering with 1,500 Koreans' data, aware at 05:00 KST on 11 Sep 2026, the day the amended decree took effect.
  const korea = incident({ nature: 'tampering', regions: ['KR'], estimated_affected: { total: 1500, by_region: { KR: 1500 } }, discovered_at: new Date('2026-09-10T19:00:00Z'), aware_at: new Date('2026-09-10T20:00:00Z') });

  it('Korea: alteration is covered from 2026-09-11 in Seoul, though it is still 10 September in UTC', () => {
    const r = evaluate({ incident: korea }, '2026-09-11T00:00:00Z');
    const pipc = obligation(r, 'kr-pipa-34-pipc');
    const individuals = obligation(r, 'kr-pipa-34-individuals');
    expect(pipc.applicability).toBe('applies');
    expect(individuals.applicability).toBe('applies');
    expect(pipc.due_at).toBe('2026-09-13T20:00:00.000Z');
    expect(pipc.due_local).toBe('2026-09-14T05:00:00+09:00');
    expect(individuals.due_at).toBe('2026-09-13T20:00:00.000Z');
    expect(traceText(pipc)).not.toMatch(/only for incidents from/);
  });

  it('Korea: a minute before midnight in Seoul on 10 September the amendment does not reach it yet', () => {
    const before = { ...korea, discovered_at: new Date('2026-09-10T14:00:00Z'), aware_at: new Date('2026-09-10T14:59:00Z') };
    const o = obligation(evaluate({ incident: before }, '2026-09-11T00:00:00Z'), 'kr-pipa-34-pipc');
    expect(o.applicability).toBe('not_applicable');
    expect(o.not_applicable_reason).toMatch(/only for incidents from 2026-09-11 \(Asia\/Seoul\); judged on 2026-09-10/);
  });

  it('New York: the December 2024 amendment is in force from 21 December in New York, not in UTC', () => {
    const facts = { regions: ['US-NY'], data_categories: ['specific_identity'] };
    const lateEvening = obligation(evaluate({ incident: incident({ ...facts, discovered_at: new Date('2024-12-21T03:00:00Z') }) }, '2024-12-22T00:00:00Z'), 'us-ny-899aa-individuals');
    expect(lateEvening.applicability).toBe('not_applicable');
    expect(lateEvening.not_applicable_reason).toMatch(/not yet in force on 2024-12-20 in America\/New_York/);
    const morning = obligation(evaluate({ incident: incident({ ...facts, discovered_at: new Date('2024-12-21T05:00:00Z') }) }, '2024-12-22T00:00:00Z'), 'us-ny-899aa-individuals');
    expect(morning.applicability).toBe('applies');
  });

  it('India: DPDP Rule 7 is in force from 13 May 2027 in India, half an hour after midnight IST', () => {
    const facts = { regions: ['IN'], estimated_affected: { by_region: { IN: 10 } } };
    const at = new Date('2027-05-12T19:00:00Z');
    const o = obligation(evaluate({ incident: incident({ ...facts, discovered_at: at, aware_at: at }) }, '2027-05-13T00:00:00Z'), 'in-dpdp-r7-board');
    expect(o.applicability).toBe('applies');
    const earlier = new Date('2027-05-12T18:00:00Z');
    expect(obligation(evaluate({ incident: incident({ ...facts, discovered_at: earlier, aware_at: earlier }) }, '2027-05-13T00:00:00Z'), 'in-dpdp-r7-board').status).toBe('not_applicable');
  });

  it('GDPR owed to several authorities: each one judges its own day (Helsinki already 25 May 2018, Lisbon not)', () => {
    const at = new Date('2018-05-24T22:30:00Z');
    const r = evaluate({ incident: incident({ regions: ['FI', 'PT'], discovered_at: at, aware_at: at }) }, '2018-05-25T06:00:00Z');
    const fi = obligation(r, 'eu-gdpr-33:FI');
    const pt = obligation(r, 'eu-gdpr-33:PT');
    expect(fi.applicability).toBe('applies');
    expect(fi.due_local).toBe('2018-05-28T01:30:00+03:00');
    expect(pt.applicability).toBe('not_applicable');
    expect(pt.not_applicable_reason).toMatch(/not yet in force on 2018-05-24 in Europe\/Lisbon/);
  });

  it('HHS annual log: the calendar year ends at midnight in New York, not UTC', () => {
    const facts = { regions: ['US'], data_categories: ['medical_health'], estimated_affected: { total: 20, by_region: { US: 20 } } };
    // 22:00 on New Year's Eve in New York is already 2027 in UTC; it belongs to the 2026 log, due 1 March 2027.
    const o = obligation(evaluate({ incident: incident({ ...facts, discovered_at: new Date('2027-01-01T03:00:00Z') }), organisation: { hipaa_covered_entity: true } }, '2027-01-02T00:00:00Z'), 'us-hipaa-hhs');
    const annual = o.stages.find((s) => s.status !== 'not_applicable')!;
    expect(annual.start_at).toBe('2027-01-01T04:59:59.000Z');
    expect(annual.due_local).toBe('2027-03-01T23:59:59-05:00');
  });
});

describe('roll-forward: due_at keeps the earlier day, legal_latest_at the day the statute allows', () => {
  it('Texas §311.014: the AG report due on Saturday 31 Oct 2026 may legally go in on Monday 2 Nov', () => {
    const inc = incident({ regions: ['US-TX'], data_categories: ['specific_identity'], estimated_affected: { by_region: { 'US-TX': 300 } }, determined_at: new Date('2026-10-01T15:00:00Z') });
    const r = evaluate({ incident: inc }, '2026-10-02T00:00:00Z');
    const ag = obligation(r, 'us-tx-521.053-ag');
    expect(ag.due_local).toBe('2026-10-31T23:59:59-05:00');
    expect(ag.legal_latest_local).toBe('2026-11-02T23:59:59-06:00');
    expect(ag.legal_latest_basis).toMatch(/§311\.014/);
    expect(traceText(ag)).toMatch(/§311\.014.*lets the period run to the end of 2026-11-02.*due_at keeps the earlier day/);
    // The 60th day (Monday 30 Nov) is a working day: nothing moves.
    const individuals = obligation(r, 'us-tx-521.053-individuals');
    expect(individuals.due_at).toBe(individuals.legal_latest_at);
    expect(traceText(individuals)).toMatch(/moves nothing/);
  });

  it('Texas: a filing after due_at but within the legal latest day is met, and the trace says why', () => {
    const inc = incident({ regions: ['US-TX'], data_categories: ['specific_identity'], estimated_affected: { by_region: { 'US-TX': 300 } }, determined_at: new Date('2026-10-01T15:00:00Z') });
    const filings = [{ rule_id: 'us-tx-521.053-ag', filed_at: new Date('2026-11-02T16:00:00Z') }];
    const ag = obligation(evaluate({ incident: inc, filings }, '2026-11-03T00:00:00Z'), 'us-tx-521.053-ag');
    expect(ag.status).toBe('met');
    expect(traceText(ag)).toMatch(/within the legal latest 2026-11-03T05:59:59.000Z/);
  });

  it('Australia s 36(2): an assessment due on Australia Day 2027 may be finished the next working day', () => {
    const inc = incident({ regions: ['AU'], discovered_at: new Date('2026-12-27T01:00:00Z') });
    const o = obligation(evaluate({ incident: inc, organisation: { au_app_entity: true } }, '2026-12-28T00:00:00Z'), 'au-ndb-26wh-assessment');
    expect(o.due_local).toBe('2027-01-26T23:59:59+11:00');
    expect(o.legal_latest_local).toBe('2027-01-27T23:59:59+11:00');
    expect(o.legal_latest_basis).toMatch(/Acts Interpretation Act 1901 \(Cth\) s 36\(2\)/);
    expect(o.stages[0]!.skipped_days).toEqual([{ date: '2027-01-26', kind: 'holiday', name: 'Australia Day' }]);
  });

  it('hour deadlines and "promptly" duties have no legal latest day', () => {
    const inc = incident({ regions: ['DE'], aware_at: new Date('2026-10-12T01:00:00Z') });
    const o = obligation(evaluate({ incident: inc }, '2026-10-12T02:00:00Z'), 'eu-gdpr-33:DE');
    expect(o.legal_latest_at).toBeNull();
    expect(o.legal_latest_basis).toBeNull();
  });
});

describe('a PRC window in 2027, a year without an official holiday schedule', () => {
  const summaryOf = (r: ReturnType<typeof evaluate>) => obligation(r, 'cn-cac-reporting-other-operators');
  const cnIncident = (disposalEnded: string) =>
    incident({ regions: ['CN'], estimated_affected: { total: 1_200_000, by_region: { CN: 1_200_000 } }, discovered_at: new Date('2027-01-04T01:00:00Z'), disposal_ended_at: new Date(disposalEnded) });
  const filings = [{ rule_id: 'cn-cac-reporting-other-operators', filed_at: new Date('2027-01-04T03:00:00Z') }];
  // A schedule as an organisation would upload it once the State Council publishes 2027's (the days here are the test's own).
  const supplied: HolidaySchedule = {
    jurisdiction: 'CN',
    year: 2027,
    source: 'test schedule standing in for the 2027 State Council notice',
    holidays: [
      { from: '2027-01-01', to: '2027-01-03', name: 'New Year\'s Day (元旦)' },
      { from: '2027-02-06', to: '2027-02-14', name: 'Spring Festival (春节)' },
    ],
    makeup_workdays: [{ date: '2027-02-20', for: 'Spring Festival (春节)' }],
  };

  it('without a supplied schedule: marked calendar_incomplete, and the legal latest rolls a make-up Saturday to Monday', () => {
    const r = evaluate({ incident: cnIncident('2027-01-21T02:00:00Z'), organisation: { cii_operator: false }, filings }, '2027-01-22T00:00:00Z');
    const o = summaryOf(r);
    const summary = o.stages.find((s) => s.key === 'summary')!;
    expect(summary.due_local).toBe('2027-02-20T23:59:59+08:00');
    expect(summary.legal_latest_local).toBe('2027-02-22T23:59:59+08:00');
    expect(summary.calendar_incomplete).toBe(true);
    expect(o.calendar_incomplete).toBe(true);
    expect(o.calendar_gaps.join(' ')).toMatch(/no official CN holiday schedule for 2027/);
    expect(traceText(o)).toMatch(/uncertain: calendar incomplete: no official CN holiday schedule for 2027/);
    // The 4-hour initial report counts hours, not days: no calendar, nothing incomplete about it.
    expect(o.stages.find((s) => s.key === 'initial')!.calendar_incomplete).toBe(false);
  });

  it('with the organisation\'s 2027 schedule: the make-up Saturday is a working day and nothing is incomplete', () => {
    const r = evaluate({ incident: cnIncident('2027-01-21T02:00:00Z'), organisation: { cii_operator: false }, filings }, '2027-01-22T00:00:00Z', { holidaySchedules: [supplied] });
    const o = summaryOf(r);
    const summary = o.stages.find((s) => s.key === 'summary')!;
    expect(summary.legal_latest_local).toBe('2027-02-20T23:59:59+08:00');
    expect(o.calendar_incomplete).toBe(false);
    expect(traceText(o)).toMatch(/counted 2027-02-20 \(Saturday, worked in lieu for Spring Festival \(春节\)\) as a working day/);
    expect(traceText(o)).toMatch(/calendar 2027: supplied by the organisation: test schedule/);
  });

  it('with the schedule, a period ending inside Spring Festival rolls past it; without, it cannot know', () => {
    const inc = cnIncident('2027-01-11T02:00:00Z');
    const without = summaryOf(evaluate({ incident: inc, organisation: { cii_operator: false }, filings }, '2027-01-12T00:00:00Z')).stages.find((s) => s.key === 'summary')!;
    expect(without.legal_latest_local).toBe('2027-02-10T23:59:59+08:00');
    const withFile = summaryOf(evaluate({ incident: inc, organisation: { cii_operator: false }, filings }, '2027-01-12T00:00:00Z', { holidaySchedules: [supplied] })).stages.find((s) => s.key === 'summary')!;
    expect(withFile.due_local).toBe('2027-02-10T23:59:59+08:00');
    expect(withFile.legal_latest_local).toBe('2027-02-15T23:59:59+08:00');
  });

  it('a supplied schedule never replaces an official one', () => {
    const fake: HolidaySchedule = { ...supplied, year: 2026, holidays: [{ from: '2026-10-08', to: '2026-10-09', name: 'not a holiday' }], makeup_workdays: [] };
    const inc = { ...cnIncident('2026-09-08T02:00:00Z'), discovered_at: new Date('2026-09-01T01:00:00Z') };
    const o = summaryOf(evaluate({ incident: inc, organisation: { cii_operator: false }, filings: [{ ...filings[0]!, filed_at: new Date('2026-09-01T03:00:00Z') }] }, '2026-09-09T00:00:00Z', { holidaySchedules: [fake] }));
    expect(o.stages.find((s) => s.key === 'summary')!.legal_latest_local).toBe('2026-10-08T23:59:59+08:00');
  });
});

describe('a determination takes the place of what the engine could not judge', () => {
  it('replaces the unknown line instead of adding below it', () => {
    const inc = incident({ regions: ['TW'], aware_at: new Date('2026-10-12T01:00:00Z') });
    const before = obligation(evaluate({ incident: inc }, '2026-10-12T02:00:00Z'), 'tw-moda-digital-economy-72h');
    const unknownAt = before.trace.findIndex((t) => t.kind === 'unknown');
    expect(unknownAt).toBeGreaterThan(0);
    const determinations = { 'tw-moda-digital-economy-72h': { applies: true, note: 'The Taiwan shop is an Annex 1 business.', decided_by_name: 'Ana Souza', decided_at: new Date('2026-10-12T01:30:00Z') } };
    const after = obligation(evaluate({ incident: inc, determinations }, '2026-10-12T02:00:00Z'), 'tw-moda-digital-economy-72h');
    expect(after.trace.filter((t) => t.kind === 'unknown')).toEqual([]);
    expect(after.trace[unknownAt]!.text).toMatch(/^the team determined that the rule applies \(by Ana Souza on 2026-10-12T01:30:00.000Z\): The Taiwan shop is an Annex 1 business\. — settles /);
    expect(after.trace).toHaveLength(before.trace.length - 1);
    expect(after.applicability).toBe('applies');
    expect(after.unknown_facts).toEqual([]);
  });
});
