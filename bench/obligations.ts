// Benchmark: evaluate every rule for an incident touching every jurisdiction, with 1,000,000 affected people in the snapshot summary.
import { performance } from 'node:perf_hooks';
import type { AffectedSummary, EvaluationInput } from '../src/obligations/types.js';
import type { Sql } from '../src/db/client.js';

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

// ---- end to end: the HTTP call on a database holding a resolved snapshot of 1,000,000 people ----
// With TEST_DATABASE_URL the directory and snapshot go into a fresh PostgreSQL database; without it,
// into an embedded PGlite (BENCH_PGLITE_PEOPLE people, 100,000 by default, as PGlite is slower to fill).
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { openEmbedded } = await import('../src/db/embedded.js');
const { migrate } = await import('../src/db/migrate.js');
const { connectPostgres, readMigrations } = await import('../src/db/node.js');
const { openIncident } = await import('../src/incidents/service.js');
const { resolveSnapshot, setScope } = await import('../src/affected/service.js');
const { issueKey } = await import('../src/api-keys/service.js');
const { createApp } = await import('../src/app.js');
const { loadConfig } = await import('../src/config.js');
const { createLogger } = await import('../src/lib/logger.js');
const { systemClock } = await import('../src/lib/clock.js');
const { readTextTree } = await import('../src/lib/assets.node.js');
const { createNoticeRenderer } = await import('../src/notices/render.js');
const { createDraftRenderer } = await import('../src/obligations/draft.js');
const { loadRunbooks } = await import('../src/runbooks/parse.js');
const { profileSchema, saveProfile } = await import('../src/obligations/profile.js');
const { saveSuppliedSchedule } = await import('../src/obligations/holiday-files.js');

const pgUrl = process.env.TEST_DATABASE_URL;
const people = Number(process.env.BENCH_PEOPLE ?? (pgUrl ? 1_000_000 : Number(process.env.BENCH_PGLITE_PEOPLE ?? 100_000)));
const dbName = `bench_obligations_${Date.now()}`;
let admin: Sql | undefined;
let sql: Sql;
let closeEmbedded: (() => Promise<void>) | undefined;
const scratch = mkdtempSync(join(tmpdir(), 'breachkit-obligations-'));
if (pgUrl) {
  admin = connectPostgres(pgUrl, 1);
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(pgUrl);
  url.pathname = `/${dbName}`;
  sql = connectPostgres(url.toString(), 10);
} else {
  const embedded = await openEmbedded(scratch);
  sql = embedded.sql;
  closeEmbedded = () => embedded.close();
}
try {
  await migrate(sql, readMigrations());
  const fill = performance.now();
  // The people spread over every place above, as in the summary-only run.
  await sql`
    insert into directory_users (external_id, email, locale, country, subdivision, account_status, data_categories, systems, created_at, updated_at, synced_at)
    select 'u' || g, 'u' || g || '@example.com', 'en', split_part(c, '-', 1), case when c like '%-%' then c end, 'active',
      case when g % 8 = 0 then array['account', 'contact', 'financial_account'] else array['account', 'contact'] end, array['accounts'],
      '2024-01-01', '2024-01-01', now()
    from generate_series(1, ${people}) g, lateral (select (${codes}::text[])[1 + g % ${codes.length}] as c) pick`;
  const actor = { id: 'bench', name: 'bench' };
  const f = input.incident;
  const incident = await openIncident(
    sql,
    {
      title: 'Every jurisdiction', summary: '', nature: f.nature, severity: f.severity, drill: true,
      occurred_from: f.occurred_from, occurred_to: null, discovered_at: f.discovered_at!, aware_at: f.aware_at, contained_at: null,
      determined_at: f.determined_at ?? null, assessment_completed_at: f.assessment_completed_at ?? null, materiality_determined_at: f.materiality_determined_at ?? null,
      systems: ['accounts'], data_categories: ['account', 'contact', 'financial_account'], regions: codes, estimated_affected: null, encrypted: false,
      measures: [], remedies: [], assessment: { risk_of_harm: 'high', credentials_exposed: true },
    },
    actor,
    new Date(),
  );
  await setScope(sql, incident.id, { data_categories: ['account'], systems: [], regions: [], window: null, account_statuses: ['active', 'deleted'], include_ids: [], exclude_ids: [] }, actor, new Date());
  const snapshot = await resolveSnapshot(sql, incident.id, actor, new Date());
  console.log(`database: ${pgUrl ? 'PostgreSQL' : 'embedded PGlite'}; ${snapshot.row_count.toLocaleString('en-US')} people in the resolved snapshot (filled and resolved in ${((performance.now() - fill) / 1000).toFixed(1)} s)`);

  // A profile history of two years of weekly changes, and a supplied PRC schedule: the incident is judged with
  // the version in force at its aware_at, and every evaluation reads the supplied schedules.
  const versions = Number(process.env.BENCH_PROFILE_VERSIONS ?? 104);
  for (let v = 0; v < versions; v++) {
    await saveProfile(sql, profileSchema.parse({ ...input.organisation, name: `Example Devices Ltd (v${v + 1})` }), 'bench', new Date(Date.UTC(2025, 0, 1) + v * 7 * 86_400_000));
  }
  await saveSuppliedSchedule(sql, 'CN', 2027, { source: 'bench schedule', holidays: [{ from: '2027-02-06', to: '2027-02-14', name: 'Spring Festival' }], makeup_workdays: [{ date: '2027-02-20', for: 'Spring Festival' }] }, 'bench', new Date());
  console.log(`organisation profile: ${versions} versions recorded; one supplied holiday schedule`);

  const config = loadConfig({ LOG_LEVEL: 'warn', DATA_DIR: scratch });
  const templates = readTextTree('templates');
  const app = createApp({ config, logger: createLogger('warn'), clock: systemClock, database: () => sql, renderer: createNoticeRenderer(templates), runbooks: loadRunbooks(readTextTree('runbooks')), drafts: createDraftRenderer(templates) });
  const { token } = await issueKey(sql, { name: 'bench viewer', role: 'viewer', createdBy: null, now: new Date() });
  const call = async () => {
    const start = performance.now();
    const res = await app.request(`/v1/incidents/${incident.id}/obligations`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { counts_source: string; obligations: unknown[]; profile_version: { version: number | null } };
    if (res.status !== 200 || body.counts_source !== 'affected_snapshot' || body.profile_version.version === null) throw new Error(`unexpected answer ${res.status}`);
    return { ms: performance.now() - start, count: body.obligations.length };
  };
  const first = await call();
  const http: number[] = [];
  for (let i = 0; i < 15; i++) http.push((await call()).ms);
  http.sort((a, b) => a - b);
  const med = http[Math.floor(http.length / 2)]!;
  console.log(`GET /v1/incidents/{id}/obligations end to end (auth, snapshot summary, filings, profile version at aware_at, supplied schedules, engine, JSON): first ${first.ms.toFixed(1)} ms, median of ${http.length} ${med.toFixed(1)} ms (max ${http[http.length - 1]!.toFixed(1)}), ${first.count} obligations; target < 200 ms`);
} finally {
  await sql.end();
  await closeEmbedded?.();
  if (admin) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  rmSync(scratch, { recursive: true, force: true });
}
