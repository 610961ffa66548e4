import { describe, it, expect } from 'vitest';
import { evaluate, incident, obligation, traceText } from './helpers.js';

// Aware Sat 28 Mar 2026, 10:00 in Paris (CET); clocks go forward on Sun 29 Mar.
const aware = new Date('2026-03-28T09:00:00Z');
const eu = incident({ regions: ['FR', 'DE'], aware_at: aware, discovered_at: aware, estimated_affected: { total: 3000, by_region: { FR: 2000, DE: 1000 } } });

describe('EU GDPR', () => {
  it('owes each member state where people live its own 72-hour notification, across the spring DST change', () => {
    const r = evaluate({ incident: eu }, '2026-03-29T00:00:00Z');
    const fr = obligation(r, 'eu-gdpr-33:FR');
    expect(fr.due_at).toBe('2026-03-31T09:00:00.000Z');
    // 72 elapsed hours end at 11:00 local, not 10:00: the clock moved forward inside the window.
    expect(fr.due_local).toBe('2026-03-31T11:00:00+02:00');
    expect(traceText(fr)).toMatch(/moved forward 60 min/);
    expect(obligation(r, 'eu-gdpr-33:DE').time_zone).toBe('Europe/Berlin');
    expect(r.obligations.some((o) => o.key === 'eu-gdpr-33:IT')).toBe(false);
    expect(fr.status).toBe('upcoming');
  });

  it('waits for the awareness anchor and never guesses it', () => {
    const r = evaluate({ incident: { ...eu, aware_at: null } }, '2026-03-29T00:00:00Z');
    const o = obligation(r, 'eu-gdpr-33:FR');
    expect(o.status).toBe('awaiting_anchor');
    expect(o.awaiting_anchor).toBe('aware_at');
    expect(o.due_at).toBeNull();
    expect(traceText(o)).toMatch(/not recorded yet: no date is guessed/);
  });

  it('skips art. 33 when the risk was assessed as unlikely', () => {
    const o = obligation(evaluate({ incident: { ...eu, risk_of_harm: 'unlikely' } }, '2026-03-29T00:00:00Z'), 'eu-gdpr-33');
    expect(o.status).toBe('not_applicable');
    expect(o.not_applicable_reason).toMatch(/unlikely/);
  });

  it('requires art. 34 notice only for high risk to unencrypted data', () => {
    const high = obligation(evaluate({ incident: { ...eu, risk_of_harm: 'high' } }, '2026-03-29T00:00:00Z'), 'eu-gdpr-34');
    expect(high.applicability).toBe('applies');
    expect(high.immediate).toBe(true);
    expect(obligation(evaluate({ incident: { ...eu, risk_of_harm: 'risk' } }, '2026-03-29T00:00:00Z'), 'eu-gdpr-34').status).toBe('not_applicable');
    const encrypted = obligation(evaluate({ incident: { ...eu, risk_of_harm: 'high', encrypted: true, encryption_key_exposed: false } }, '2026-03-29T00:00:00Z'), 'eu-gdpr-34');
    expect(encrypted.status).toBe('not_applicable');
  });

  it('keeps the Digital Omnibus proposal inactive unless enabled for a what-if', () => {
    const off = obligation(evaluate({ incident: { ...eu, risk_of_harm: 'high' } }, '2026-03-29T00:00:00Z'), 'eu-digital-omnibus-proposal');
    expect(off.status).toBe('not_applicable');
    expect(off.not_applicable_reason).toMatch(/proposal/);
    const on = evaluate({ incident: { ...eu, risk_of_harm: 'high' } }, '2026-03-29T00:00:00Z', { enableRules: ['eu-digital-omnibus-proposal'] });
    expect(obligation(on, 'eu-digital-omnibus-proposal:FR').due_at).toBe('2026-04-01T09:00:00.000Z');
  });

  it('uses the affected snapshot when there is one, and says so', () => {
    const r = evaluate({ incident: eu, affected: { total: 10, by_jurisdiction: { DE: 10 } } }, '2026-03-29T00:00:00Z');
    expect(r.counts_source).toBe('affected_snapshot');
    expect(r.obligations.some((o) => o.key === 'eu-gdpr-33:DE')).toBe(true);
    expect(r.obligations.some((o) => o.key === 'eu-gdpr-33:FR')).toBe(false);
    expect(evaluate({ incident: eu }, '2026-03-29T00:00:00Z').counts_source).toBe('incident_estimate');
  });

  it('derives met and met_late per member state from the filings', () => {
    const r = evaluate(
      {
        incident: eu,
        filings: [
          { rule_id: 'eu-gdpr-33', target: 'FR', filed_at: new Date('2026-03-30T09:00:00Z') },
          { rule_id: 'eu-gdpr-33', target: 'DE', filed_at: new Date('2026-03-31T10:00:00Z') },
        ],
      },
      '2026-04-01T00:00:00Z',
    );
    expect(obligation(r, 'eu-gdpr-33:FR').status).toBe('met');
    expect(obligation(r, 'eu-gdpr-33:DE').status).toBe('met_late');
  });
});

describe('UK GDPR', () => {
  it('gives the ICO 72 hours; across the autumn change the local hour moves back', () => {
    // Aware Fri 23 Oct 2026, 13:00 BST; clocks go back on Sun 25 Oct.
    const uk = incident({ regions: ['GB'], aware_at: new Date('2026-10-23T12:00:00Z') });
    const o = obligation(evaluate({ incident: uk }, '2026-10-24T00:00:00Z'), 'uk-gdpr-33');
    expect(o.due_at).toBe('2026-10-26T12:00:00.000Z');
    expect(o.due_local).toBe('2026-10-26T12:00:00+00:00');
    expect(traceText(o)).toMatch(/moved back 60 min/);
    expect(obligation(evaluate({ incident: { ...uk, risk_of_harm: 'high' } }, '2026-10-24T00:00:00Z'), 'uk-gdpr-34').applicability).toBe('applies');
  });
});
