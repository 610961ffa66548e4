import { describe, it, expect } from 'vitest';
import { evaluate, incident, obligation, traceText } from './helpers.js';

// Discovered Mon 12 Oct 2026, 09:00 Beijing.
const discovered = new Date('2026-10-12T01:00:00Z');
const big = incident({ regions: ['CN'], estimated_affected: { total: 1_200_000, by_region: { CN: 1_200_000 } }, discovered_at: discovered });

describe('PRC: CAC incident reporting grades', () => {
  it('gives other operators 4 hours from discovery for a relatively major incident (≥1 M people)', () => {
    const r = evaluate({ incident: big, organisation: { cii_operator: false } }, '2026-10-12T02:00:00Z');
    const o = obligation(r, 'cn-cac-reporting-other-operators');
    expect(o.applicability).toBe('applies');
    expect(o.due_at).toBe('2026-10-12T05:00:00.000Z');
    expect(o.due_local).toBe('2026-10-12T13:00:00+08:00');
    expect(o.status).toBe('upcoming');
    expect(traceText(o)).toMatch(/relatively major/);
    expect(obligation(r, 'cn-cac-reporting-cii').status).toBe('not_applicable');
  });

  it('gives a critical-infrastructure operator 1 hour, due soon in its last quarter', () => {
    const r = evaluate({ incident: big, organisation: { cii_operator: true } }, '2026-10-12T01:50:00Z');
    const o = obligation(r, 'cn-cac-reporting-cii');
    expect(o.due_at).toBe('2026-10-12T02:00:00.000Z');
    expect(o.status).toBe('due_soon');
    expect(obligation(r, 'cn-cac-reporting-other-operators').status).toBe('not_applicable');
  });

  it('marks a CAC report overdue once the 4 hours pass without a filing', () => {
    const r = evaluate({ incident: big, organisation: { cii_operator: false } }, '2026-10-12T05:00:01Z');
    expect(obligation(r, 'cn-cac-reporting-other-operators').status).toBe('overdue');
  });

  it('requires no CAC report below the threshold, while PIPL art. 57 still applies at once', () => {
    const small = incident({ regions: ['CN'], estimated_affected: { total: 50_000, by_region: { CN: 50_000 } }, direct_loss_rmb: 0, discovered_at: discovered });
    const r = evaluate({ incident: small, organisation: { cii_operator: false } }, '2026-10-12T02:00:00Z');
    const cac = obligation(r, 'cn-cac-reporting-other-operators');
    expect(cac.status).toBe('not_applicable');
    expect(cac.not_applicable_reason).toMatch(/general/);
    const pipl = obligation(r, 'cn-pipl-57');
    expect(pipl.applicability).toBe('applies');
    expect(pipl.immediate).toBe(true);
    expect(pipl.due_at).toBe(discovered.toISOString());
  });

  it('says the grade is unknown rather than guessing when the loss is not recorded', () => {
    const small = incident({ regions: ['CN'], estimated_affected: { total: 50_000 }, discovered_at: discovered });
    const o = obligation(evaluate({ incident: small, organisation: { cii_operator: false } }, '2026-10-12T02:00:00Z'), 'cn-cac-reporting-other-operators');
    expect(o.applicability).toBe('possible');
    expect(o.unknown_facts).toContain('CAC grade relatively major or above');
    expect(traceText(o)).toMatch(/direct_loss_rmb/);
  });

  it('takes the grade the team recorded over the count bands', () => {
    const small = incident({ regions: ['CN'], estimated_affected: { total: 10 }, cac_grade: 'major', discovered_at: discovered });
    expect(obligation(evaluate({ incident: small, organisation: { cii_operator: false } }, '2026-10-12T02:00:00Z'), 'cn-cac-reporting-other-operators').applicability).toBe('applies');
  });

  it('reaches foreign users’ data held in China (PIPL nexus) and is only possible when the place is unknown', () => {
    const foreign = incident({ regions: ['DE'], data_held_in: ['CN'], discovered_at: discovered });
    expect(obligation(evaluate({ incident: foreign }, '2026-10-12T02:00:00Z'), 'cn-pipl-57').applicability).toBe('applies');
    const unknown = incident({ regions: ['DE'], discovered_at: discovered });
    const o = obligation(evaluate({ incident: unknown }, '2026-10-12T02:00:00Z'), 'cn-pipl-57');
    expect(o.applicability).toBe('possible');
    expect(traceText(o)).toMatch(/data_held_in/);
  });
});

describe('PRC: stages and the 30-day summary report', () => {
  it('counts the summary from the end of handling: due on the 30th day, legally latest past National Day on the next working day', () => {
    const inc = { ...big, disposal_ended_at: new Date('2026-09-03T02:00:00Z'), discovered_at: new Date('2026-09-01T01:00:00Z') };
    const r = evaluate({ incident: inc, organisation: { cii_operator: false }, filings: [{ rule_id: 'cn-cac-reporting-other-operators', filed_at: new Date('2026-09-01T03:00:00Z') }] }, '2026-09-20T00:00:00Z');
    const o = obligation(r, 'cn-cac-reporting-other-operators');
    const summary = o.stages.find((s) => s.key === 'summary')!;
    expect(summary.due_local).toBe('2026-10-03T23:59:59+08:00');
    expect(summary.legal_latest_local).toBe('2026-10-08T23:59:59+08:00');
    expect(summary.legal_latest_basis).toMatch(/Civil Code art\. 203/);
    expect(summary.skipped_days.map((d) => d.date)).toContain('2026-10-07');
    expect(o.stages.find((s) => s.key === 'initial')!.status).toBe('met');
    expect(o.status).toBe('upcoming');
    expect(traceText(o)).toMatch(/National Day/);
  });

  it('does not roll when the 30th day is a Saturday worked in lieu (调休)', () => {
    const inc = { ...big, disposal_ended_at: new Date('2026-09-10T02:00:00Z') };
    const o = obligation(evaluate({ incident: inc, organisation: { cii_operator: false } }, '2026-09-20T00:00:00Z'), 'cn-cac-reporting-other-operators');
    const summary = o.stages.find((s) => s.key === 'summary')!;
    expect(summary.due_local).toBe('2026-10-10T23:59:59+08:00');
    expect(traceText(o)).toMatch(/worked in lieu/);
  });

  it('waits for the end of handling before dating the summary, once the initial report is in', () => {
    const r = evaluate({ incident: big, organisation: { cii_operator: false }, filings: [{ rule_id: 'cn-cac-reporting-other-operators', stage: 'initial', filed_at: new Date('2026-10-12T04:00:00Z') }] }, '2026-10-12T06:00:00Z');
    const o = obligation(r, 'cn-cac-reporting-other-operators');
    expect(o.status).toBe('awaiting_anchor');
    expect(o.awaiting_anchor).toBe('disposal_ended_at');
  });

  it('records a late initial report as met_late', () => {
    const inc = { ...big, disposal_ended_at: new Date('2026-10-13T01:00:00Z') };
    const r = evaluate(
      {
        incident: inc,
        organisation: { cii_operator: false },
        filings: [
          { rule_id: 'cn-cac-reporting-other-operators', filed_at: new Date('2026-10-12T06:00:00Z') },
          { rule_id: 'cn-cac-reporting-other-operators', stage: 'summary', filed_at: new Date('2026-10-20T06:00:00Z') },
        ],
      },
      '2026-10-21T00:00:00Z',
    );
    const o = obligation(r, 'cn-cac-reporting-other-operators');
    expect(o.stages.find((s) => s.key === 'initial')!.status).toBe('met_late');
    expect(o.status).toBe('met_late');
  });
});

describe('PRC: "immediately" duties', () => {
  it('are due at once, with the working target shown separately and set by the team', () => {
    const r = evaluate({ incident: big }, '2026-10-12T02:00:00Z', { immediateTargetByRule: { 'cn-pipl-57': 1 } });
    const o = obligation(r, 'cn-pipl-57');
    expect(o.due_at).toBe('2026-10-12T01:00:00.000Z');
    expect(o.target_at).toBe('2026-10-12T02:00:00.000Z');
    expect(o.target_local).toBe('2026-10-12T10:00:00+08:00');
    expect(o.status).toBe('due_soon');
    expect(traceText(o)).toMatch(/set by the team/);
    const later = obligation(evaluate({ incident: big }, '2026-10-12T03:00:00Z', { immediateTargetByRule: { 'cn-pipl-57': 1 } }), 'cn-pipl-57');
    expect(later.status).toBe('overdue');
  });

  it('falls back to the team default target for rules without a suggested one', () => {
    const o = obligation(evaluate({ incident: big }, '2026-10-12T02:00:00Z', { immediateTargetHours: 12 }), 'cn-dsl-29');
    expect(o.target_at).toBe('2026-10-12T13:00:00.000Z');
  });

  it('applies the company policy IV(v) to every incident with its four required elements', () => {
    const o = obligation(evaluate({ incident: incident({ regions: ['JP'] }) }, '2026-10-12T02:00:00Z'), 'cn-niimbot-policy-IVv');
    expect(o.applicability).toBe('applies');
    expect(o.required_content).toHaveLength(4);
  });

  it('treats vulnerability duties as possible until the vulnerability facts are recorded, and as 24 h when they are', () => {
    expect(obligation(evaluate({ incident: big }, '2026-10-12T02:00:00Z'), 'cn-ndsmr-10-vulnerability').applicability).toBe('possible');
    const vuln = { ...big, product_vulnerability: true, national_security_or_public_interest: true };
    const o = obligation(evaluate({ incident: vuln }, '2026-10-12T02:00:00Z'), 'cn-ndsmr-10-vulnerability');
    expect(o.due_at).toBe('2026-10-13T01:00:00.000Z');
    const miit = obligation(evaluate({ incident: vuln }, '2026-10-12T02:00:00Z'), 'cn-miit-vuln-reporting');
    expect(miit.confidence).toBe('uncertain');
    expect(miit.due_local).toBe('2026-10-14T23:59:59+08:00');
  });
});
