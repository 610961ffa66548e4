// Shared builders for the obligations tests.
import { evaluateObligations } from '../../src/obligations/engine.js';
import type { EvaluationInput, EvaluationOptions, IncidentFacts, Obligation } from '../../src/obligations/types.js';

export function incident(over: Partial<IncidentFacts> = {}): IncidentFacts {
  return {
    nature: 'unauthorized_access',
    severity: 'high',
    regions: [],
    data_categories: ['account', 'contact'],
    encrypted: false,
    estimated_affected: null,
    occurred_from: null,
    discovered_at: new Date('2026-10-12T01:00:00Z'),
    aware_at: null,
    ...over,
  };
}

export function evaluate(input: Partial<EvaluationInput> & { incident: IncidentFacts }, now: Date | string, options?: EvaluationOptions) {
  return evaluateObligations({ organisation: {}, ...input }, typeof now === 'string' ? new Date(now) : now, options);
}

export function obligation(result: { obligations: Obligation[] }, key: string): Obligation {
  const o = result.obligations.find((x) => x.key === key);
  if (!o) throw new Error(`no obligation ${key}; have ${result.obligations.map((x) => x.key).join(', ')}`);
  return o;
}

export const traceText = (o: Obligation) => o.trace.map((t) => `${t.kind}: ${t.text}`).join('\n');
