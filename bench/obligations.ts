// Benchmark: evaluate every rule for an incident touching every jurisdiction, with 1,000,000 affected people in the snapshot summary.
import { performance } from 'node:perf_hooks';
import type { AffectedSummary, EvaluationInput } from '../src/obligations/types.js';

// Loading the rules and the holiday data is part of a cold start, so it is timed too.
const loadStart = performance.now();
const { evaluateObligations } = await import('../src/obligations/engine.js');
const { eeaStates } = await import('../src/obligations/rules/eu.js');
const loadMs = performance.now() - loadStart;

const places = ['CN', 'GB', 'CA', 'AU', 'SG', 'JP', 'KR', 'IN', 'BR', 'HK', 'TW', ...eeaStates];
const states = ['US-CA', 'US-NY', 'US-TX', 'US-FL', 'US-WA', 'US-CO', 'US-MA', 'US-IL', 'US-OH', 'US-GA'];
const codes = [...places, ...states];

// Spread one million people over the places, more in China as for the real user base.
const byJurisdiction: Record<string, number> = {};
let left = 1_000_000;
codes.forEach((code, i) => {
  const n = i === codes.length - 1 ? left : code === 'CN' ? 400_000 : Math.floor(600_000 / (codes.length - 1));
  byJurisdiction[code] = n;
  left -= n;
});
const summary: AffectedSummary = {
  total: 1_000_000,
  by_jurisdiction: byJurisdiction,
  by_subdivision: Object.fromEntries(states.map((s) => [s, byJurisdiction[s]!])),
  by_data_category: { account: 1_000_000, contact: 1_000_000, financial_account: 120_000, medical_health: 3_000 },
  minors: 2_400,
};

const t = new Date('2026-11-19T13:00:00Z');
const input: EvaluationInput = {
  incident: {
    nature: 'unauthorized_access',
    severity: 'critical',
    regions: codes,
    data_categories: ['account', 'contact', 'financial_account'],
    encrypted: false,
    estimated_affected: null,
    occurred_from: new Date('2026-11-17T00:00:00Z'),
    discovered_at: t,
    aware_at: new Date(t.getTime() + 2 * 3_600_000),
    determined_at: new Date(t.getTime() + 6 * 3_600_000),
    assessment_completed_at: new Date(t.getTime() + 24 * 3_600_000),
    materiality_determined_at: new Date(t.getTime() + 30 * 3_600_000),
    individuals_notified_at: null,
    disposal_ended_at: new Date('2026-11-28T00:00:00Z'),
    risk_of_harm: 'high',
    credentials_exposed: true,
  },
  affected: summary,
  organisation: { cii_operator: false, hipaa_covered_entity: true, sec_domestic_registrant: true, au_app_entity: true, tw_digital_economy_business: true },
  filings: [{ rule_id: 'cn-cac-reporting-other-operators', filed_at: new Date(t.getTime() + 3 * 3_600_000) }],
};
const now = new Date(t.getTime() + 5 * 3_600_000);

function run(): { ms: number; count: number; applicable: number; bytes: number } {
  const start = performance.now();
  const r = evaluateObligations(input, now);
  // Serialising is part of the end-to-end cost of answering the API call.
  const body = JSON.stringify(r);
  const ms = performance.now() - start;
  return { ms, count: r.obligations.length, applicable: r.obligations.filter((o) => o.status !== 'not_applicable').length, bytes: body.length };
}

const cold = run();
const times: number[] = [];
for (let i = 0; i < 15; i++) times.push(run().ms);
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(`obligations: ${cold.count} obligations (${cold.applicable} applicable) for ${codes.length} places, 1,000,000 affected (snapshot summary)`);
console.log(`loading the engine, rules and holiday libraries: ${loadMs.toFixed(1)} ms; JSON answer ${(cold.bytes / 1024).toFixed(0)} KiB`);
console.log(`first evaluation (cold calendars and zone formatters): ${cold.ms.toFixed(1)} ms`);
console.log(`median of ${times.length} warm evaluations: ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[times.length - 1]!.toFixed(1)}); target < 200 ms`);
