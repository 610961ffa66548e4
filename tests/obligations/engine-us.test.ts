import { describe, it, expect } from 'vitest';
import { evaluate, incident, obligation, traceText } from './helpers.js';
import type { IncidentFacts } from '../../src/obligations/types.js';

const pi: Partial<IncidentFacts> = { data_categories: ['account', 'financial_account'], encrypted: false };

describe('California §1798.82', () => {
  // Discovered Fri 20 Feb 2026, 10:00 PST; DST starts Sun 8 Mar.
  const ca = incident({ ...pi, regions: ['US-CA'], discovered_at: new Date('2026-02-20T18:00:00Z'), estimated_affected: { by_region: { 'US-CA': 501 } } });

  it('gives residents 30 calendar days, counted in Pacific time across the DST change', () => {
    const o = obligation(evaluate({ incident: ca }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-individuals');
    expect(o.due_local).toBe('2026-03-22T23:59:59-07:00');
    expect(o.due_at).toBe('2026-03-23T06:59:59.000Z');
  });

  it('owes the Attorney General a sample 15 days after the consumer notice only above 500 residents', () => {
    const waiting = obligation(evaluate({ incident: ca }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-ag');
    expect(waiting.status).toBe('awaiting_anchor');
    expect(waiting.awaiting_anchor).toBe('individuals_notified_at');
    const notified = { ...ca, individuals_notified_at: new Date('2026-03-10T17:00:00Z') };
    const r = evaluate({ incident: notified }, '2026-03-11T00:00:00Z');
    expect(obligation(r, 'us-ca-1798.82-ag').due_local).toBe('2026-03-25T23:59:59-07:00');
    // The recorded notification time meets the individual duty.
    expect(obligation(r, 'us-ca-1798.82-individuals').status).toBe('met');
    const exactly500 = { ...ca, estimated_affected: { by_region: { 'US-CA': 500 } } };
    expect(obligation(evaluate({ incident: exactly500 }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-ag').status).toBe('not_applicable');
  });

  it('does not apply to names, emails and usage data alone, nor to encrypted data', () => {
    const contactOnly = { ...ca, data_categories: ['contact', 'device_usage'] };
    expect(obligation(evaluate({ incident: contactOnly }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-individuals').status).toBe('not_applicable');
    const encrypted = { ...ca, encrypted: true };
    expect(obligation(evaluate({ incident: encrypted }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-individuals').status).toBe('not_applicable');
    const unknownCreds = { ...ca, data_categories: ['account'] };
    const o = obligation(evaluate({ incident: unknownCreds }, '2026-02-21T00:00:00Z'), 'us-ca-1798.82-individuals');
    expect(o.applicability).toBe('possible');
    expect(traceText(o)).toMatch(/credentials_exposed/);
  });
});

describe('Texas §521.053', () => {
  const tx = (n: number) => incident({ ...pi, regions: ['US-TX'], determined_at: new Date('2026-06-01T15:00:00Z'), estimated_affected: { by_region: { 'US-TX': n } } });

  it('reports to the AG at 250 residents or more, within 30 days of determination (shorter than the 60 for individuals)', () => {
    const r = evaluate({ incident: tx(250) }, '2026-06-02T00:00:00Z');
    expect(obligation(r, 'us-tx-521.053-ag').due_local).toBe('2026-07-01T23:59:59-05:00');
    expect(obligation(r, 'us-tx-521.053-individuals').due_local).toBe('2026-07-31T23:59:59-05:00');
    expect(obligation(evaluate({ incident: tx(249) }, '2026-06-02T00:00:00Z'), 'us-tx-521.053-ag').status).toBe('not_applicable');
  });

  it('reads per-state counts from the affected snapshot', () => {
    const r = evaluate({ incident: tx(0), affected: { by_jurisdiction: { 'US-TX': 12_250 }, by_subdivision: { 'US-TX': 12_250 } } }, '2026-06-02T00:00:00Z');
    const o = obligation(r, 'us-tx-521.053-ag');
    expect(o.applicability).toBe('applies');
    expect(traceText(o)).toMatch(/12,250 in US-TX per the affected snapshot/);
  });

  it('does not know which states are affected when the incident names only the US', () => {
    const o = obligation(evaluate({ incident: incident({ ...pi, regions: ['US'] }) }, '2026-06-02T00:00:00Z'), 'us-tx-521.053-individuals');
    expect(o.applicability).toBe('possible');
    expect(o.unknown_facts).toContain('affected in US-TX');
  });
});

describe('other states', () => {
  const at = new Date('2026-05-04T14:00:00Z');
  const states = incident({
    ...pi,
    regions: ['US-NY', 'US-FL', 'US-WA', 'US-CO', 'US-MA'],
    discovered_at: at,
    determined_at: at,
    estimated_affected: { by_region: { 'US-NY': 10, 'US-FL': 500, 'US-WA': 500, 'US-CO': 500, 'US-MA': 1 } },
  });
  const r = evaluate({ incident: states }, '2026-05-05T00:00:00Z');

  it('New York: residents within 30 days; regulators with the resident notice (uncertain timing)', () => {
    expect(obligation(r, 'us-ny-899aa-individuals').due_local).toBe('2026-06-03T23:59:59-04:00');
    const regs = obligation(r, 'us-ny-899aa-regulators');
    expect(regs.awaiting_anchor).toBe('individuals_notified_at');
    expect(regs.confidence).toBe('uncertain');
    expect(traceText(regs)).toMatch(/No statutory time limit/);
  });

  it('Florida: 500 or more reach the Department; the 15-day extension is optional', () => {
    const ag = obligation(r, 'us-fl-501.171-ag');
    expect(ag.applicability).toBe('applies');
    const ind = obligation(r, 'us-fl-501.171-individuals');
    const ext = ind.stages.find((s) => s.key === 'extension')!;
    expect(ext.required).toBe(false);
    expect(ext.due_local).toBe('2026-06-18T23:59:59-04:00');
  });

  it('Washington: more than 500 (so not 500) for the AG', () => {
    expect(obligation(r, 'us-wa-19.255-ag').status).toBe('not_applicable');
    expect(obligation(r, 'us-wa-19.255-individuals').due_local).toBe('2026-06-03T23:59:59-07:00');
  });

  it('Colorado: 500 or more for the AG, 30 days from determination', () => {
    expect(obligation(r, 'us-co-6-1-716-ag').due_local).toBe('2026-06-03T23:59:59-06:00');
  });

  it('Massachusetts: one resident is enough; as soon as practicable, with a 72 h working target', () => {
    const o = obligation(r, 'us-ma-93h-regulators');
    expect(o.immediate).toBe(true);
    expect(o.target_at).toBe('2026-05-07T14:00:00.000Z');
  });
});

describe('US federal', () => {
  it('SEC 8-K: four business days from the materiality determination, skipping Thanksgiving', () => {
    const inc = incident({ regions: ['US-NY'], materiality_determined_at: new Date('2026-11-24T15:00:00Z') });
    const o = obligation(evaluate({ incident: inc, organisation: { sec_domestic_registrant: true } }, '2026-11-25T00:00:00Z'), 'us-sec-8k-1.05');
    expect(o.due_local).toBe('2026-12-01T23:59:59-05:00');
    expect(traceText(o)).toMatch(/skipped 2026-11-26 \(Thursday, Thanksgiving Day\)/);
    expect(obligation(evaluate({ incident: inc, organisation: { sec_domestic_registrant: false } }, '2026-11-25T00:00:00Z'), 'us-sec-8k-1.05').status).toBe('not_applicable');
  });

  it('HIPAA: covered entities only; fewer than 500 go in the annual report 60 days after year end', () => {
    const health = incident({ regions: ['US-CA'], data_categories: ['medical_health'], discovered_at: new Date('2026-05-01T16:00:00Z'), estimated_affected: { by_region: { 'US-CA': 40 } } });
    const r = evaluate({ incident: health, organisation: { hipaa_covered_entity: true } }, '2026-05-02T00:00:00Z');
    const hhs = obligation(r, 'us-hipaa-hhs');
    expect(hhs.due_local).toBe('2027-03-01T23:59:59-05:00');
    expect(obligation(r, 'us-hipaa-media').status).toBe('not_applicable');
    expect(obligation(r, 'us-hipaa-individuals').due_local).toBe('2026-06-30T23:59:59-04:00');
    const big = { ...health, estimated_affected: { by_region: { 'US-CA': 600 } } };
    const r2 = evaluate({ incident: big, organisation: { hipaa_covered_entity: true } }, '2026-05-02T00:00:00Z');
    expect(obligation(r2, 'us-hipaa-hhs').due_local).toBe('2026-06-30T23:59:59-04:00');
    expect(obligation(r2, 'us-hipaa-media').applicability).toBe('applies');
    expect(obligation(evaluate({ incident: health, organisation: { hipaa_covered_entity: false } }, '2026-05-02T00:00:00Z'), 'us-hipaa-individuals').status).toBe('not_applicable');
  });
});
