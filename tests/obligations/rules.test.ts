import { describe, it, expect } from 'vitest';
import { allRules, rulesById } from '../../src/obligations/rules/index.js';

// The ids of the researched reference (53 obligations); kept here so the product never reads the reference itself.
const referenceIds = [
  'cn-pipl-57', 'cn-cac-reporting-other-operators', 'cn-cac-reporting-cii', 'cn-ndsmr-11-regulator', 'cn-ndsmr-11-individuals',
  'cn-ndsmr-10-vulnerability', 'cn-miit-vuln-reporting', 'cn-dsl-29', 'cn-niimbot-policy-IVv', 'eu-gdpr-33', 'eu-gdpr-34', 'uk-gdpr-33',
  'uk-gdpr-34', 'eu-digital-omnibus-proposal', 'us-ca-1798.82-individuals', 'us-ca-1798.82-ag', 'us-ny-899aa-individuals',
  'us-ny-899aa-regulators', 'us-tx-521.053-individuals', 'us-tx-521.053-ag', 'us-fl-501.171-individuals', 'us-fl-501.171-ag',
  'us-wa-19.255-individuals', 'us-wa-19.255-ag', 'us-co-6-1-716-individuals', 'us-co-6-1-716-ag', 'us-ma-93h-individuals',
  'us-ma-93h-regulators', 'us-hipaa-individuals', 'us-hipaa-hhs', 'us-hipaa-media', 'us-sec-8k-1.05', 'ca-pipeda-10.1-opc',
  'ca-pipeda-10.1-individuals', 'au-ndb-26wh-assessment', 'au-ndb-26wk-oaic', 'au-ndb-26wl-individuals', 'sg-pdpa-26c-assessment',
  'sg-pdpa-26d-pdpc', 'sg-pdpa-26d-individuals', 'jp-appi-26-ppc', 'jp-appi-26-individuals', 'kr-pipa-34-pipc', 'kr-pipa-34-individuals',
  'in-certin-6h', 'in-dpdp-r7-board', 'in-dpdp-r7-individuals', 'br-lgpd-48-anpd', 'br-lgpd-48-individuals', 'hk-pdpo-voluntary',
  'tw-pdpa-12-current', 'tw-moda-digital-economy-72h', 'tw-pdpa-12-amended',
];

describe('the rule set', () => {
  it('covers every obligation of the reference under the same ids, once each', () => {
    expect(referenceIds).toHaveLength(53);
    expect(allRules.map((r) => r.id).sort()).toEqual([...referenceIds].sort());
    expect(rulesById.size).toBe(allRules.length);
  });

  it('gives every rule a valid zone, a source, at least one stage and an initial stage first', () => {
    for (const r of allRules) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: r.timeZone }), r.id).not.toThrow();
      expect(r.source.url, r.id).not.toBe('');
      expect(r.stages.length, r.id).toBeGreaterThan(0);
      expect(r.stages[0]!.kind, r.id).toBe('initial');
      expect(r.trigger.checks.length, r.id).toBeGreaterThan(0);
    }
  });

  it('explains how each uncertain rule is treated', () => {
    const uncertain = allRules.filter((r) => r.confidence === 'uncertain');
    expect(uncertain.map((r) => r.id).sort()).toEqual(['cn-miit-vuln-reporting', 'eu-digital-omnibus-proposal', 'tw-moda-digital-economy-72h', 'tw-pdpa-12-amended', 'us-ny-899aa-regulators']);
    for (const r of uncertain) expect(r.uncertainty, r.id).toBeTruthy();
  });

  it('keeps proposals and rules not in force inactive unless they carry an effective date', () => {
    for (const r of allRules.filter((x) => x.status === 'proposed' || x.status === 'not_in_force')) {
      expect(['eu-digital-omnibus-proposal', 'tw-pdpa-12-amended', 'in-dpdp-r7-board', 'in-dpdp-r7-individuals']).toContain(r.id);
    }
    expect(rulesById.get('in-dpdp-r7-board')!.effective.from).toBe('2027-05-13');
  });
});
