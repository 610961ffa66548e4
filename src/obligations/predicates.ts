// Building blocks for rule triggers: three-valued checks over the incident, the affected counts and the organisation.
import { localDateOf } from './calendars.js';
import type { AffectedCounts, AffectedSummary, Check, Finding, IncidentFacts, OrganisationProfile, Presence, RiskOfHarm, Tri } from './types.js';

export const sensitiveCategories = ['religious_beliefs', 'specific_identity', 'medical_health', 'financial_account', 'location_trajectory', 'children'] as const;

const riskRank: Record<RiskOfHarm, number> = { unlikely: 0, risk: 1, significant: 2, high: 3 };

const f = (fact: string, result: Tri, detail: string): Finding => ({ fact, result, detail });

/** Combine findings: any no → no, else any unknown → unknown, else yes. */
export function combine(findings: Finding[]): Tri {
  if (findings.some((x) => x.result === 'no')) return 'no';
  if (findings.some((x) => x.result === 'unknown')) return 'unknown';
  return 'yes';
}

/** People affected in a country or subdivision. */
export function affectedIn(code: string, label = code): Check {
  return (ctx) => {
    const p = ctx.counts.presence(code);
    return f(`affected in ${label}`, p.result, p.detail);
  };
}

/** People affected in any of several places (e.g. the EU member states). */
export function affectedInAny(codes: readonly string[], label: string): Check {
  return (ctx) => {
    const found = codes.map((c) => [c, ctx.counts.presence(c)] as const);
    const yes = found.filter(([, p]) => p.result === 'yes').map(([c]) => c);
    if (yes.length) return f(`affected in ${label}`, 'yes', `affected people in ${yes.join(', ')}`);
    const unknown = found.filter(([, p]) => p.result === 'unknown').map(([c]) => c);
    if (unknown.length) return f(`affected in ${label}`, 'unknown', `not known whether people in ${unknown.join(', ')} are affected`);
    return f(`affected in ${label}`, 'no', `no affected people recorded in ${label}`);
  };
}

/** At least (or more than) n people affected in a place. */
export function countThreshold(code: string, n: number, mode: 'at_least' | 'more_than', label = code): Check {
  const phrase = mode === 'at_least' ? `at least ${n.toLocaleString('en-US')}` : `more than ${n.toLocaleString('en-US')}`;
  return (ctx) => {
    const p = ctx.counts.presence(code);
    const fact = `${phrase} affected in ${label}`;
    if (p.count === null) {
      if (p.result === 'no') return f(fact, 'no', p.detail);
      return f(fact, 'unknown', `no count for ${label} (${ctx.counts.source.replace('_', ' ')})`);
    }
    const ok = mode === 'at_least' ? p.count >= n : p.count > n;
    return f(fact, ok ? 'yes' : 'no', `${p.count.toLocaleString('en-US')} affected in ${label} (${ctx.counts.source.replace('_', ' ')})`);
  };
}

export function totalThreshold(n: number, mode: 'at_least' | 'more_than'): Check {
  return (ctx) => {
    const fact = `${mode === 'at_least' ? 'at least' : 'more than'} ${n.toLocaleString('en-US')} people affected in total`;
    const t = ctx.counts.total;
    if (t === null) return f(fact, 'unknown', 'total affected not known');
    return f(fact, (mode === 'at_least' ? t >= n : t > n) ? 'yes' : 'no', `${t.toLocaleString('en-US')} affected in total (${ctx.counts.source.replace('_', ' ')})`);
  };
}

export function categoryAny(categories: readonly string[], label: string): Check {
  return (ctx) => {
    const hit = categories.filter((c) => ctx.categories.has(c));
    return hit.length ? f(label, 'yes', `data categories involved: ${hit.join(', ')}`) : f(label, 'no', `none of ${categories.join(', ')} involved`);
  };
}

/** Personal information in the clear: the encryption safe harbour applies unless the key went too. */
export function unencrypted(): Check {
  return (ctx) => {
    const { encrypted, encryption_key_exposed: key } = ctx.incident;
    if (encrypted === false) return f('data not encrypted', 'yes', 'the data was not encrypted');
    if (encrypted === true) {
      if (key === true) return f('data not encrypted', 'yes', 'the data was encrypted but the key was exposed too');
      if (key === false) return f('data not encrypted', 'no', 'the data was encrypted and the key was not exposed (safe harbour)');
      return f('data not encrypted', 'no', 'the data was encrypted (safe harbour; record encryption_key_exposed if the key went too)');
    }
    return f('data not encrypted', 'unknown', 'whether the data was encrypted is not recorded (encrypted: null)');
  };
}

/** The harm test reaches at least the given level. */
export function riskAtLeast(level: RiskOfHarm, label: string): Check {
  return (ctx) => {
    const r = ctx.incident.risk_of_harm;
    if (r === undefined || r === null) return f(label, 'unknown', 'risk of harm not assessed (risk_of_harm)');
    return f(label, riskRank[r] >= riskRank[level] ? 'yes' : 'no', `risk of harm assessed as "${r}"`);
  };
}

/** Notify unless the risk was found unlikely (GDPR art. 33 default). */
export function riskNotUnlikely(label: string): Check {
  return (ctx) => {
    const r = ctx.incident.risk_of_harm;
    if (r === 'unlikely') return f(label, 'no', 'risk of harm assessed as unlikely');
    if (r === undefined || r === null) return f(label, 'yes', 'risk not assessed as unlikely: notification is the default');
    return f(label, 'yes', `risk of harm assessed as "${r}"`);
  };
}

export function orgFlag(key: keyof OrganisationProfile, expected: boolean, label: string): Check {
  return (ctx) => {
    const v = ctx.organisation[key];
    if (v === undefined || v === null) return f(label, 'unknown', `organisation profile does not say (${key})`);
    return f(label, v === expected ? 'yes' : 'no', `${key}: ${v}`);
  };
}

export function incidentFlag(key: keyof IncidentFacts, expected: boolean, label: string): Check {
  return (ctx) => {
    const v = ctx.incident[key];
    if (v === undefined || v === null) return f(label, 'unknown', `not recorded (${key})`);
    return f(label, v === expected ? 'yes' : 'no', `${key}: ${String(v)}`);
  };
}

/** Unlawful intent: the recorded fact, else read from the nature of the incident. */
export function malicious(label = 'caused with unlawful intent'): Check {
  return (ctx) => {
    const m = ctx.incident.malicious;
    if (m === true || m === false) return f(label, m ? 'yes' : 'no', `malicious: ${m}`);
    const n = ctx.incident.nature;
    if (n === 'unauthorized_access' || n === 'ransomware') return f(label, 'yes', `nature is ${n}`);
    if (n === 'accidental_disclosure') return f(label, 'no', `nature is ${n}`);
    return f(label, 'unknown', `nature "${n}" does not say whether it was malicious (malicious)`);
  };
}

export function always(label: string, detail: string): Check {
  return () => f(label, 'yes', detail);
}

/** True when any part is true; false only when every part is false. */
export function anyOf(label: string, checks: Check[]): Check {
  return (ctx) => {
    const parts = checks.map((c) => c(ctx));
    const yes = parts.filter((p) => p.result === 'yes');
    if (yes.length) return f(label, 'yes', yes.map((p) => `${p.fact} (${p.detail})`).join('; '));
    const unknown = parts.filter((p) => p.result === 'unknown');
    if (unknown.length) return f(label, 'unknown', unknown.map((p) => `${p.fact}: ${p.detail}`).join('; '));
    return f(label, 'no', parts.map((p) => `${p.fact}: ${p.detail}`).join('; '));
  };
}

export function not(label: string, check: Check): Check {
  return (ctx) => {
    const p = check(ctx);
    const result: Tri = p.result === 'yes' ? 'no' : p.result === 'no' ? 'yes' : 'unknown';
    return f(label, result, p.detail);
  };
}

/** The check applies only for incidents judged on or after a date (amendments that widened a trigger); the day is the rule's own. */
export function onOrAfter(date: string, label: string, check: Check): Check {
  return (ctx) => {
    const day = localDateOf(ctx.judgedAt, ctx.timeZone);
    if (day < date) return f(label, 'no', `only for incidents from ${date} (${ctx.timeZone}); judged on ${day}`);
    return check(ctx);
  };
}

/** PRC law reaches people in China and all data held in China, whoever it is about. */
export function prcNexus(): Check {
  return (ctx) => {
    const p = ctx.counts.presence('CN');
    if (p.result === 'yes') return f('PRC nexus', 'yes', p.detail);
    const held = ctx.incident.data_held_in;
    if (held?.includes('CN')) return f('PRC nexus', 'yes', 'the affected data was held in the PRC');
    if (held) return f('PRC nexus', p.result === 'unknown' ? 'unknown' : 'no', `data held in ${held.join(', ') || 'no recorded place'}; ${p.detail}`);
    if (p.result === 'no') return f('PRC nexus', 'unknown', `${p.detail}; where the data was held is not recorded (data_held_in)`);
    return f('PRC nexus', 'unknown', p.detail);
  };
}

/** Listed personal-information elements of the US state statutes (ID numbers, financial accounts, health data, credentials). */
export function usStatePersonalInformation(): Check {
  const label = 'personal information as the state statute defines it';
  return (ctx) => {
    const hit = ['specific_identity', 'financial_account', 'medical_health'].filter((c) => ctx.categories.has(c));
    if (hit.length) return f(label, 'yes', `data categories involved: ${hit.join(', ')}`);
    const cred = ctx.incident.credentials_exposed;
    if (cred === true) return f(label, 'yes', 'login credentials were exposed');
    if (cred !== false && (ctx.categories.has('account') || ctx.categories.has('third_party_login'))) {
      return f(label, 'unknown', 'account data is involved; whether passwords or security answers were exposed is not recorded (credentials_exposed)');
    }
    return f(label, 'no', 'no ID numbers, financial account data, health data or credentials involved (names, emails and usage data alone are outside these statutes)');
  };
}

/** Resolve affected counts from the snapshot when there is one, else from the incident's regions and estimate. */
export function affectedCounts(incident: IncidentFacts, affected: AffectedSummary | null | undefined): AffectedCounts {
  if (affected) return snapshotCounts(affected);
  return estimateCounts(incident);
}

const isSubdivision = (code: string) => code.includes('-');
const countryOf = (code: string) => code.split('-')[0]!;

function snapshotCounts(s: AffectedSummary): AffectedCounts {
  // One pass over the summary into per-country and per-subdivision totals.
  const byCountry = new Map<string, number>();
  const bySub = new Map<string, number>();
  for (const [code, n] of Object.entries(s.by_subdivision ?? {})) bySub.set(code, n);
  for (const [code, n] of Object.entries(s.by_jurisdiction)) {
    if (isSubdivision(code) && !bySub.has(code)) bySub.set(code, n);
    if (!s.by_country) byCountry.set(countryOf(code), (byCountry.get(countryOf(code)) ?? 0) + n);
  }
  for (const [code, n] of Object.entries(s.by_country ?? {})) byCountry.set(code, n);
  const total = s.total ?? [...byCountry.values()].reduce((a, b) => a + b, 0);
  return {
    source: 'affected_snapshot',
    total,
    presence(code) {
      const n = (isSubdivision(code) ? bySub.get(code) : byCountry.get(code)) ?? 0;
      return { result: n > 0 ? 'yes' : 'no', count: n, detail: `${n.toLocaleString('en-US')} in ${code} per the affected snapshot` };
    },
    subdivisions(country) {
      const out: Record<string, number> = {};
      for (const [code, n] of bySub) if (countryOf(code) === country) out[code] = n;
      return out;
    },
  };
}

function estimateCounts(incident: IncidentFacts): AffectedCounts {
  const regions = new Set(incident.regions);
  const byRegion = incident.estimated_affected?.by_region ?? {};
  const total = incident.estimated_affected?.total ?? null;
  return {
    source: 'incident_estimate',
    total,
    presence(code): Presence {
      if (isSubdivision(code)) {
        const n = byRegion[code];
        if (n !== undefined) return { result: n > 0 ? 'yes' : 'no', count: n, detail: `estimated ${n.toLocaleString('en-US')} in ${code}` };
        if (regions.has(code)) return { result: 'yes', count: null, detail: `${code} is among the incident's regions (no count estimated)` };
        const country = countryOf(code);
        if (regions.has(country) || byRegion[country] !== undefined) {
          return { result: 'unknown', count: null, detail: `the incident names ${country} but not which subdivisions (${code})` };
        }
        return { result: 'no', count: 0, detail: `${code} is not among the incident's regions` };
      }
      let n: number | undefined = byRegion[code];
      let subs = 0;
      for (const [k, v] of Object.entries(byRegion)) {
        if (isSubdivision(k) && countryOf(k) === code) subs += v;
      }
      if (n === undefined && subs > 0) n = subs;
      const listed = regions.has(code) || [...regions].some((r) => isSubdivision(r) && countryOf(r) === code);
      if (n !== undefined) return { result: n > 0 ? 'yes' : 'no', count: n, detail: `estimated ${n.toLocaleString('en-US')} in ${code}` };
      if (listed) return { result: 'yes', count: null, detail: `${code} is among the incident's regions (no count estimated)` };
      return { result: 'no', count: 0, detail: `${code} is not among the incident's regions` };
    },
    subdivisions(country) {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(byRegion)) if (isSubdivision(k) && countryOf(k) === country) out[k] = v;
      return out;
    },
  };
}
