import { describe, it, expect } from 'vitest';
import { evaluate, incident, obligation, traceText } from './helpers.js';

const t0 = new Date('2026-10-01T03:00:00Z');

describe('Canada PIPEDA', () => {
  it('reports as soon as feasible after determination when there is a real risk of significant harm', () => {
    const inc = incident({ regions: ['CA'], determined_at: t0, risk_of_harm: 'significant' });
    const o = obligation(evaluate({ incident: inc }, '2026-10-01T04:00:00Z'), 'ca-pipeda-10.1-opc');
    expect(o.immediate).toBe(true);
    expect(o.target_at).toBe('2026-10-04T03:00:00.000Z');
    expect(obligation(evaluate({ incident: { ...inc, risk_of_harm: 'risk' } }, '2026-10-01T04:00:00Z'), 'ca-pipeda-10.1-individuals').status).toBe('not_applicable');
  });
});

describe('Australia NDB', () => {
  const inc = incident({ regions: ['AU'], discovered_at: t0, risk_of_harm: 'high' });
  it('gives 30 days to assess, met by the recorded assessment; the OAIC statement waits for the belief anchor', () => {
    const r = evaluate({ incident: inc, organisation: { au_app_entity: true } }, '2026-10-02T00:00:00Z');
    expect(obligation(r, 'au-ndb-26wh-assessment').due_local).toBe('2026-10-31T23:59:59+11:00');
    expect(obligation(r, 'au-ndb-26wk-oaic').awaiting_anchor).toBe('determined_at');
    const done = evaluate({ incident: { ...inc, assessment_completed_at: new Date('2026-10-05T00:00:00Z') }, organisation: { au_app_entity: true } }, '2026-10-06T00:00:00Z');
    expect(obligation(done, 'au-ndb-26wh-assessment').status).toBe('met');
  });
  it('is only possible while the APP-entity status is not recorded', () => {
    const o = obligation(evaluate({ incident: inc }, '2026-10-02T00:00:00Z'), 'au-ndb-26wh-assessment');
    expect(o.applicability).toBe('possible');
    expect(o.unknown_facts[0]).toMatch(/APP entity/);
  });
});

describe('Singapore PDPA', () => {
  const inc = incident({ regions: ['SG'], estimated_affected: { by_region: { SG: 600 } }, risk_of_harm: 'risk', assessment_completed_at: t0 });
  it('notifies the PDPC within 3 calendar days after the day of assessment for 500 or more people', () => {
    const r = evaluate({ incident: inc }, '2026-10-01T04:00:00Z');
    const o = obligation(r, 'sg-pdpa-26d-pdpc');
    expect(o.due_local).toBe('2026-10-04T23:59:59+08:00');
    expect(obligation(r, 'sg-pdpa-26d-individuals').status).toBe('not_applicable');
  });
  it('notifies individuals only for significant harm, deemed for prescribed data', () => {
    const r = evaluate({ incident: { ...inc, data_categories: ['financial_account'] } }, '2026-10-01T04:00:00Z');
    expect(obligation(r, 'sg-pdpa-26d-individuals').applicability).toBe('applies');
    const small = evaluate({ incident: { ...inc, estimated_affected: { by_region: { SG: 20 } } } }, '2026-10-01T04:00:00Z');
    expect(obligation(small, 'sg-pdpa-26d-pdpc').status).toBe('not_applicable');
  });
});

describe('Japan APPI', () => {
  it('asks for a preliminary report and a 60-day final report for a malicious case, any number', () => {
    const inc = incident({ regions: ['JP'], aware_at: t0, estimated_affected: { by_region: { JP: 3 } } });
    const o = obligation(evaluate({ incident: inc }, '2026-10-02T00:00:00Z'), 'jp-appi-26-ppc');
    // "Promptly": due at once, the team's 3-day working target, the PPC's 5-day guidance in the trace only.
    expect(o.immediate).toBe(true);
    expect(o.due_at).toBe(t0.toISOString());
    expect(o.target_local).toBe('2026-10-04T12:00:00+09:00');
    expect(traceText(o)).toMatch(/PPC guidance.*3–5 days.*5 days from the start end at 2026-10-06T14:59:59.000Z \(2026-10-06T23:59:59\+09:00\), guidance rather than a deadline/);
    const finals = o.stages.filter((s) => s.key === 'final' && s.status !== 'not_applicable');
    expect(finals).toHaveLength(1);
    expect(finals[0]!.due_local).toBe('2026-11-30T23:59:59+09:00');
    expect(traceText(o)).toMatch(/day of awareness.*not verified/);
  });
  it('needs more than 1,000 people for an accidental leak of ordinary data, then a 30-day final report', () => {
    const inc = incident({ nature: 'accidental_disclosure', regions: ['JP'], aware_at: t0, credentials_exposed: false, estimated_affected: { by_region: { JP: 1000 } } });
    expect(obligation(evaluate({ incident: inc }, '2026-10-02T00:00:00Z'), 'jp-appi-26-ppc').status).toBe('not_applicable');
    const more = { ...inc, estimated_affected: { by_region: { JP: 1001 } } };
    const o = obligation(evaluate({ incident: more }, '2026-10-02T00:00:00Z'), 'jp-appi-26-ppc');
    expect(o.stages.find((s) => s.key === 'final' && s.status !== 'not_applicable')!.due_local).toBe('2026-10-31T23:59:59+09:00');
  });
});

describe('Korea PIPA', () => {
  it('gives 72 hours to individuals and the PIPC; alteration counts only for incidents from 2026-09-11', () => {
    const inc = incident({ nature: 'tampering', regions: ['KR'], aware_at: t0, estimated_affected: { by_region: { KR: 1500 } } });
    const r = evaluate({ incident: inc }, '2026-10-01T04:00:00Z');
    expect(obligation(r, 'kr-pipa-34-individuals').due_at).toBe('2026-10-04T03:00:00.000Z');
    expect(obligation(r, 'kr-pipa-34-pipc').applicability).toBe('applies');
    const before = { ...inc, aware_at: new Date('2026-09-01T03:00:00Z') };
    const o = obligation(evaluate({ incident: before }, '2026-09-01T04:00:00Z'), 'kr-pipa-34-individuals');
    expect(o.status).toBe('not_applicable');
    expect(o.not_applicable_reason).toMatch(/2026-09-11/);
  });
});

describe('India', () => {
  it('reports to CERT-In within 6 hours of noticing', () => {
    const inc = incident({ regions: ['IN'], discovered_at: t0 });
    const o = obligation(evaluate({ incident: inc }, '2026-10-01T04:00:00Z'), 'in-certin-6h');
    expect(o.due_local).toBe('2026-10-01T14:30:00+05:30');
  });
  it('keeps the DPDP Rule 7 duties inactive before their effective date and applies them after', () => {
    const now = evaluate({ incident: incident({ regions: ['IN'], aware_at: t0 }) }, '2026-10-01T04:00:00Z');
    const board = obligation(now, 'in-dpdp-r7-board');
    expect(board.status).toBe('not_applicable');
    expect(board.not_applicable_reason).toMatch(/in force from 2027-05-13/);
    const later = evaluate({ incident: incident({ regions: ['IN'], aware_at: new Date('2027-06-01T00:00:00Z'), discovered_at: new Date('2027-06-01T00:00:00Z') }) }, '2027-06-01T01:00:00Z');
    const o = obligation(later, 'in-dpdp-r7-board');
    expect(o.applicability).toBe('applies');
    expect(o.stages.find((s) => s.key === 'detailed')!.due_at).toBe('2027-06-04T00:00:00.000Z');
  });
});

describe('Brazil LGPD', () => {
  // Aware Thu 19 Nov 2026, 10:00 Brasília; Fri 20 Nov is Consciência Negra, a national holiday.
  const inc = incident({ regions: ['BR'], aware_at: new Date('2026-11-19T13:00:00Z'), risk_of_harm: 'significant', data_categories: ['financial_account'] });
  it('gives the ANPD and data subjects 3 business days, skipping the national holiday', () => {
    const r = evaluate({ incident: inc }, '2026-11-19T14:00:00Z');
    const o = obligation(r, 'br-lgpd-48-anpd');
    expect(o.due_local).toBe('2026-11-25T23:59:59-03:00');
    expect(traceText(o)).toMatch(/skipped 2026-11-20 \(Friday, Dia da Consciência Negra\)/);
    expect(obligation(r, 'br-lgpd-48-individuals').due_local).toBe('2026-11-25T23:59:59-03:00');
  });
  it('doubles the period for small processing agents and counts the complementary 20 days from the filing', () => {
    const r = evaluate(
      { incident: inc, organisation: { br_small_processing_agent: true }, filings: [{ rule_id: 'br-lgpd-48-anpd', filed_at: new Date('2026-11-24T13:00:00Z') }] },
      '2026-11-25T00:00:00Z',
    );
    const o = obligation(r, 'br-lgpd-48-anpd');
    const live = o.stages.filter((s) => s.status !== 'not_applicable');
    expect(live[0]!.deadline.amount).toBe(6);
    expect(live[0]!.status).toBe('met');
    expect(live[1]!.due_local).toBe('2026-12-22T23:59:59-03:00');
    expect(o.status).toBe('upcoming');
  });
  it('needs a special circumstance: ordinary contact data is not enough', () => {
    const o = obligation(evaluate({ incident: { ...inc, data_categories: ['contact'], credentials_exposed: false, large_scale: false } }, '2026-11-19T14:00:00Z'), 'br-lgpd-48-anpd');
    expect(o.status).toBe('not_applicable');
  });
});

describe('Hong Kong and Taiwan', () => {
  it('Hong Kong notice is recommended, not mandatory', () => {
    const o = obligation(evaluate({ incident: incident({ regions: ['HK'], aware_at: t0, risk_of_harm: 'risk' }) }, '2026-10-01T04:00:00Z'), 'hk-pdpo-voluntary');
    expect(o.rule_status).toBe('voluntary');
    expect(o.applicability).toBe('applies');
    expect(traceText(o)).toMatch(/recommended practice, not a legal duty/);
  });
  it('Taiwan: individuals after investigation; MODA rule possible until the business type is known; the amendment inactive', () => {
    const r = evaluate({ incident: incident({ regions: ['TW'], aware_at: t0 }) }, '2026-10-01T04:00:00Z');
    expect(obligation(r, 'tw-pdpa-12-current').awaiting_anchor).toBe('assessment_completed_at');
    const moda = obligation(r, 'tw-moda-digital-economy-72h');
    expect(moda.applicability).toBe('possible');
    expect(moda.due_at).toBe('2026-10-04T03:00:00.000Z');
    expect(obligation(r, 'tw-pdpa-12-amended').not_applicable_reason).toMatch(/no effective date/);
  });
});

describe('statuses and overrides', () => {
  it('uses an hours window for due_soon when configured', () => {
    const inc = incident({ regions: ['KR'], aware_at: t0 });
    expect(obligation(evaluate({ incident: inc }, '2026-10-03T00:00:00Z'), 'kr-pipa-34-individuals').status).toBe('upcoming');
    expect(obligation(evaluate({ incident: inc }, '2026-10-03T00:00:00Z', { dueSoon: { hours: 36 } }), 'kr-pipa-34-individuals').status).toBe('due_soon');
  });
  it('lets a recorded determination settle a rule the engine cannot judge', () => {
    const inc = incident({ regions: ['TW'], aware_at: t0 });
    const o = obligation(evaluate({ incident: inc, determinations: { 'tw-moda-digital-economy-72h': { applies: false, note: 'not an Annex 1 business' } } }, '2026-10-01T04:00:00Z'), 'tw-moda-digital-economy-72h');
    expect(o.status).toBe('not_applicable');
    expect(o.not_applicable_reason).toMatch(/Annex 1/);
  });
});
