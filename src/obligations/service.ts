// Obligations for a stored incident: gathers its facts, snapshot counts, filings, determinations and the
// organisation profile, runs the engine, and records filings and determinations on the timeline.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { currentSummary } from '../affected/service.js';
import { InvalidFactsError, NotFoundError } from '../errors.js';
import { clockSkewMs } from '../incidents/facts.js';
import { getIncident, recordEvent, type Actor, type Incident } from '../incidents/service.js';
import { newId } from '../lib/ids.js';
import { isRegionCode } from '../incidents/vocabulary.js';
import { draftStage, draftValues, type DraftRenderer } from './draft.js';
import { evaluateObligations } from './engine.js';
import { affectedCounts } from './predicates.js';
import { listSuppliedSchedules } from './holiday-files.js';
import { evaluationOptions, getProfileVersion, organisationFacts, pinProfile, profileForIncident, type JudgedProfile, type Profile } from './profile.js';
import { rulesById } from './rules/index.js';
import type { AffectedSummary, Determination, EvaluationInput, EvaluationOptions, EvaluationResult, Filing, IncidentFacts, Obligation } from './types.js';

/** Where `individuals_notified_at` came from: the delivery ledger, the responder, or nowhere yet. */
export interface NotificationAnchor {
  at: Date | null;
  source: 'deliveries' | 'recorded' | 'none';
  detail: string;
}

export interface IncidentEvaluation extends EvaluationResult {
  incident_id: string;
  incident_version: number;
  individuals_notified: { at: string | null; source: NotificationAnchor['source']; detail: string };
  /** The organisation profile version the incident was judged with, and why that one. */
  profile_version: { version: number | null; effective_from: string | null; pinned: boolean; detail: string };
}

interface Gathered {
  incident: Incident;
  input: EvaluationInput;
  options: EvaluationOptions;
  profile: Profile;
  judged: JudgedProfile;
  notified: NotificationAnchor;
}

/** The moment that picks the profile version an incident is judged with: its awareness, else its discovery. */
export const profileMoment = (i: Incident): Date => i.aware_at ?? i.discovered_at;

/**
 * Once a delivery run exists, people count as notified when the last open delivery of the newest run
 * settled: the time is the latest provider acceptance. Until then the anchor stays empty, whatever was
 * typed by hand, because the ledger is the better witness.
 */
async function notificationAnchor(db: Db, incident: Incident): Promise<NotificationAnchor> {
  // The open rows are counted up to a cap through the (run, state) index, so a run of a million
  // notices still answers quickly; the acceptance times are read only once nothing is open.
  const cap = 10_000;
  const [run] = await db<{ id: string; open: number }[]>`
    select r.id, (select count(*)::int from (select 1 from deliveries d where d.run_id = r.id and d.state in ('queued', 'sending') limit ${cap + 1}) o) as open
    from delivery_runs r
    where r.incident_id = ${incident.id} and r.status <> 'cancelled'
    order by r.created_at desc
    limit 1`;
  if (run) {
    const manual = incident.individuals_notified_at ? `; the recorded ${incident.individuals_notified_at.toISOString()} is not used while deliveries exist` : '';
    if (run.open > 0) {
      const open = run.open > cap ? `more than ${cap.toLocaleString('en-US')}` : String(run.open);
      return { at: null, source: 'deliveries', detail: `delivery run ${run.id} still has ${open} notice(s) queued or sending${manual}` };
    }
    const [settled] = await db<{ accepted: number; last: Date | null }[]>`
      select count(*)::int as accepted, max(coalesce(accepted_at, delivered_at)) as last
      from deliveries where run_id = ${run.id} and state in ('accepted', 'delivered')`;
    if (!settled?.last) return { at: null, source: 'deliveries', detail: `delivery run ${run.id} has settled with no notice accepted by a provider${manual}` };
    return { at: settled.last, source: 'deliveries', detail: `delivery run ${run.id} settled: ${settled.accepted} notice(s) accepted, the last at ${settled.last.toISOString()}${manual}` };
  }
  if (incident.individuals_notified_at) return { at: incident.individuals_notified_at, source: 'recorded', detail: 'recorded by a responder (no delivery run)' };
  return { at: null, source: 'none', detail: 'no delivery run and nothing recorded' };
}

function incidentFacts(i: Incident, notifiedAt: Date | null): IncidentFacts {
  const a = i.assessment;
  return {
    nature: i.nature,
    severity: i.severity,
    regions: i.regions,
    data_categories: i.data_categories,
    encrypted: i.encrypted,
    estimated_affected: i.estimated_affected,
    occurred_from: i.occurred_from,
    discovered_at: i.discovered_at,
    aware_at: i.aware_at,
    determined_at: i.determined_at,
    assessment_completed_at: i.assessment_completed_at,
    materiality_determined_at: i.materiality_determined_at,
    individuals_notified_at: notifiedAt,
    disposal_ended_at: i.disposal_ended_at,
    risk_of_harm: a.risk_of_harm ?? null,
    encryption_key_exposed: a.encryption_key_exposed ?? null,
    credentials_exposed: a.credentials_exposed ?? null,
    malicious: a.malicious ?? null,
    cac_grade: a.cac_grade ?? null,
    direct_loss_rmb: a.direct_loss_rmb ?? null,
    data_held_in: a.data_held_in ?? null,
    product_vulnerability: a.product_vulnerability ?? null,
    national_security_or_public_interest: a.national_security_or_public_interest ?? null,
    internal_only: a.internal_only ?? null,
    large_scale: a.large_scale ?? null,
  };
}

async function gather(db: Db, incidentId: string): Promise<Gathered> {
  const incident = await getIncident(db, incidentId);
  const [snapshot, filings, determinations, judged, schedules, notified] = await Promise.all([
    currentSummary(db, incidentId),
    // Only what the engine reads: a filed document can be large and is not needed to compute deadlines.
    db<Filing[]>`select rule_id, stage, target, filed_at from obligation_filings where incident_id = ${incidentId}`,
    db<{ rule_id: string; applies: boolean; note: string; decided_by_name: string; decided_at: Date }[]>`
      select rule_id, applies, note, decided_by_name, decided_at from obligation_determinations where incident_id = ${incidentId}`,
    profileForIncident(db, incidentId, profileMoment(incident)),
    listSuppliedSchedules(db),
    notificationAnchor(db, incident),
  ]);
  const profile = judged.profile;
  const affected: AffectedSummary | null = snapshot
    ? {
        total: snapshot.summary.total,
        by_jurisdiction: snapshot.summary.by_jurisdiction,
        by_country: snapshot.summary.by_country,
        by_subdivision: snapshot.summary.by_subdivision,
        by_data_category: snapshot.summary.by_data_category,
        minors: snapshot.summary.minors,
      }
    : null;
  const input: EvaluationInput = {
    incident: incidentFacts(incident, notified.at),
    affected,
    filings: [...filings],
    organisation: organisationFacts(profile),
    determinations: Object.fromEntries(
      determinations.map((d) => [d.rule_id, { applies: d.applies, note: d.note, decided_by_name: d.decided_by_name, decided_at: d.decided_at } satisfies Determination]),
    ),
  };
  return { incident, input, options: { ...evaluationOptions(profile), holidaySchedules: schedules }, profile, judged, notified };
}

function withContext(g: Gathered, result: EvaluationResult): IncidentEvaluation {
  return {
    incident_id: g.incident.id,
    incident_version: g.incident.version,
    ...result,
    individuals_notified: { at: g.notified.at?.toISOString() ?? null, source: g.notified.source, detail: g.notified.detail },
    profile_version: { version: g.judged.version, effective_from: g.judged.effective_from?.toISOString() ?? null, pinned: g.judged.pin !== null, detail: g.judged.detail },
  };
}

/** The incident's obligations as of `now`, computed from what is stored (nothing is cached, so every fact change shows at once). */
export async function incidentObligations(db: Db, incidentId: string, now: Date): Promise<IncidentEvaluation & { profile: Profile }> {
  const g = await gather(db, incidentId);
  return { ...withContext(g, evaluateObligations(g.input, now, g.options)), profile: g.profile };
}

// ---- what-if ----

export interface WhatIf {
  facts: Partial<Omit<IncidentFacts, 'estimated_affected'>> & { estimated_affected?: IncidentFacts['estimated_affected'] };
  /** People to add (or, negative, remove) per region code, on top of the snapshot or the estimate. */
  add_affected: Record<string, number>;
  organisation: Partial<ReturnType<typeof organisationFacts>>;
  enable_rules: string[];
  filings: Filing[];
  at: Date | null;
}

export interface ObligationChange {
  key: string;
  rule_id: string;
  from: { status: string; due_at: string | null } | null;
  to: { status: string; due_at: string | null } | null;
}

/** Adds people per region to whichever counts the engine will read; a subdivision also counts for its country. */
function addAffected(input: EvaluationInput, add: Record<string, number>): EvaluationInput {
  if (!Object.keys(add).length) return input;
  const bump = (m: Record<string, number> | undefined, k: string, n: number) => ({ ...(m ?? {}), [k]: Math.max(0, (m?.[k] ?? 0) + n) });
  if (input.affected) {
    let a: AffectedSummary = { ...input.affected };
    for (const [code, n] of Object.entries(add)) {
      const country = code.split('-')[0]!;
      a = { ...a, total: Math.max(0, (a.total ?? 0) + n), by_jurisdiction: bump(a.by_jurisdiction, code, n) };
      if (code.includes('-')) a.by_subdivision = bump(a.by_subdivision, code, n);
      if (a.by_country) a.by_country = bump(a.by_country, country, n);
    }
    return { ...input, affected: a };
  }
  const est = { ...(input.incident.estimated_affected ?? {}) };
  const regions = new Set(input.incident.regions);
  for (const [code, n] of Object.entries(add)) {
    est.by_region = bump(est.by_region, code, n);
    if (est.total !== undefined) est.total = Math.max(0, est.total + n);
    regions.add(code);
  }
  return { ...input, incident: { ...input.incident, estimated_affected: est, regions: [...regions] } };
}

/** The same evaluation on changed facts, saved nowhere, with what changed against the stored facts. */
export async function whatIfObligations(db: Db, incidentId: string, w: WhatIf, now: Date): Promise<IncidentEvaluation & { changes: ObligationChange[] }> {
  const g = await gather(db, incidentId);
  const at = w.at ?? now;
  const unknownRules = w.enable_rules.filter((id) => !rulesById.has(id));
  const badFiling = w.filings.findIndex((f) => !rulesById.has(f.rule_id));
  const problems = [
    ...unknownRules.map((id) => ({ field: 'enable_rules', message: `${id} is not a rule breachkit knows` })),
    ...(badFiling >= 0 ? [{ field: `filings.${badFiling}.rule_id`, message: 'is not a rule breachkit knows' }] : []),
  ];
  if (problems.length) throw new InvalidFactsError(problems);

  const changed: EvaluationInput = addAffected(
    {
      ...g.input,
      incident: { ...g.input.incident, ...w.facts },
      organisation: { ...g.input.organisation, ...w.organisation },
      filings: [...(g.input.filings ?? []), ...w.filings],
    },
    w.add_affected,
  );
  const before = evaluateObligations(g.input, at, g.options);
  const after = evaluateObligations(changed, at, { ...g.options, enableRules: w.enable_rules });
  return { ...withContext(g, after), changes: diffObligations(before.obligations, after.obligations) };
}

export function diffObligations(before: Obligation[], after: Obligation[]): ObligationChange[] {
  const old = new Map(before.map((o) => [o.key, o]));
  const seen = new Set<string>();
  const changes: ObligationChange[] = [];
  const view = (o: Obligation) => ({ status: o.status, due_at: o.due_at });
  for (const o of after) {
    seen.add(o.key);
    const p = old.get(o.key);
    if (!p) changes.push({ key: o.key, rule_id: o.rule_id, from: null, to: view(o) });
    else if (p.status !== o.status || p.due_at !== o.due_at) changes.push({ key: o.key, rule_id: o.rule_id, from: view(p), to: view(o) });
  }
  for (const p of before) if (!seen.has(p.key)) changes.push({ key: p.key, rule_id: p.rule_id, from: view(p), to: null });
  return changes;
}

// ---- filings ----

export interface FilingRow {
  id: string;
  incident_id: string;
  rule_id: string;
  stage: string;
  target: string | null;
  filed_at: Date;
  filed_by: string;
  filed_by_name: string;
  reference: string | null;
  document: string | null;
  note: string | null;
  stage_due_at: Date | null;
  on_time: boolean | null;
  created_at: Date;
}

export async function listFilings(db: Db, incidentId: string, ruleId?: string): Promise<FilingRow[]> {
  return db<FilingRow[]>`
    select id, incident_id, rule_id, stage, target, filed_at, filed_by, filed_by_name, reference, document, note, stage_due_at, on_time, created_at
    from obligation_filings
    where incident_id = ${incidentId} ${ruleId ? db`and rule_id = ${ruleId}` : db``}
    order by filed_at, id`;
}

export interface NewFiling {
  stage: string;
  target: string | null;
  filed_at: Date;
  reference: string | null;
  document: string | null;
  note: string | null;
}

/**
 * Records a filing. The stage's due time is taken from the evaluation just before it, so whether it
 * was on time is fixed at once and kept with the filing; the timeline gets the same facts.
 */
export async function recordFiling(db: Db, incidentId: string, ruleId: string, f: NewFiling, actor: Actor, now: Date): Promise<{ filing: FilingRow; obligation: Obligation[] }> {
  const rule = rulesById.get(ruleId);
  if (!rule) throw new NotFoundError('rule', ruleId);
  return inTransaction(db, async (tx) => {
    // Serialises filings and fact changes of one incident.
    await tx`select id from incidents where id = ${incidentId} for update`;
    const g = await gather(tx, incidentId);
    const problems: { field: string; message: string }[] = [];
    if (!rule.stages.some((s) => s.key === f.stage)) problems.push({ field: 'stage', message: `must be one of ${rule.stages.map((s) => s.key).join(', ')}` });
    if (f.filed_at.getTime() > now.getTime() + clockSkewMs) problems.push({ field: 'filed_at', message: 'must not be in the future' });
    if (f.filed_at < g.incident.discovered_at) problems.push({ field: 'filed_at', message: 'must not be before discovered_at' });
    const current = evaluateObligations(g.input, now, { ...g.options, rules: [rule] }).obligations;
    if (f.target !== null && !current.some((o) => o.target === f.target)) {
      const targets = current.map((o) => o.target).filter((t): t is string => t !== null);
      problems.push({ field: 'target', message: targets.length ? `must be one of ${targets.join(', ')}` : 'this rule is owed to one authority; leave target out' });
    }
    if (problems.length) throw new InvalidFactsError(problems);

    const owed = current.find((o) => f.target === null || o.target === f.target);
    const stage = owed?.stages.find((s) => s.key === f.stage);
    const ref = stage?.target_at ?? stage?.due_at ?? null;
    const dueAt = ref ? new Date(ref) : null;
    // Where a statute rolls the period forward, a filing up to the legal latest day is in time.
    const latest = stage?.legal_latest_at ? new Date(Math.max(new Date(stage.legal_latest_at).getTime(), dueAt?.getTime() ?? 0)) : dueAt;
    const row: FilingRow = {
      id: newId('fil', now),
      incident_id: incidentId,
      rule_id: ruleId,
      stage: f.stage,
      target: f.target,
      filed_at: f.filed_at,
      filed_by: actor.id,
      filed_by_name: actor.name,
      reference: f.reference,
      document: f.document,
      note: f.note,
      stage_due_at: dueAt,
      on_time: latest ? f.filed_at.getTime() <= latest.getTime() : null,
      created_at: now,
    };
    await tx`
      insert into obligation_filings (id, incident_id, rule_id, stage, target, filed_at, filed_by, filed_by_name, reference, document, note, stage_due_at, on_time, created_at)
      values (${row.id}, ${row.incident_id}, ${row.rule_id}, ${row.stage}, ${row.target}, ${row.filed_at}, ${row.filed_by}, ${row.filed_by_name},
        ${row.reference}, ${row.document}, ${row.note}, ${row.stage_due_at}, ${row.on_time}, ${row.created_at})`;
    await recordEvent(tx, incidentId, 'obligation.filed', actor, now, {
      filing_id: row.id,
      rule_id: ruleId,
      stage: f.stage,
      target: f.target,
      authority: owed?.notifies.name ?? rule.notifies.name,
      filed_at: f.filed_at.toISOString(),
      reference: f.reference,
      due_at: dueAt?.toISOString() ?? null,
      on_time: row.on_time,
    });
    const after = evaluateObligations({ ...g.input, filings: [...(g.input.filings ?? []), { rule_id: ruleId, stage: f.stage, target: f.target, filed_at: f.filed_at }] }, now, {
      ...g.options,
      rules: [rule],
    });
    return { filing: row, obligation: after.obligations };
  });
}

// ---- determinations ----

export async function recordDetermination(db: Db, incidentId: string, ruleId: string, d: { applies: boolean; note: string }, actor: Actor, now: Date): Promise<void> {
  if (!rulesById.has(ruleId)) throw new NotFoundError('rule', ruleId);
  await inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    await tx`
      insert into obligation_determinations (incident_id, rule_id, applies, note, decided_by, decided_by_name, decided_at)
      values (${incidentId}, ${ruleId}, ${d.applies}, ${d.note}, ${actor.id}, ${actor.name}, ${now})
      on conflict (incident_id, rule_id) do update set applies = excluded.applies, note = excluded.note,
        decided_by = excluded.decided_by, decided_by_name = excluded.decided_by_name, decided_at = excluded.decided_at`;
    await recordEvent(tx, incidentId, 'obligation.determined', actor, now, { rule_id: ruleId, applies: d.applies, note: d.note });
  });
}

/** The team's determinations for an incident, one per rule, the latest standing. */
export async function listDeterminations(db: Db, incidentId: string): Promise<{ rule_id: string; applies: boolean; note: string; decided_by_name: string; decided_at: Date }[]> {
  return [
    ...(await db<{ rule_id: string; applies: boolean; note: string; decided_by_name: string; decided_at: Date }[]>`
      select rule_id, applies, note, decided_by_name, decided_at from obligation_determinations where incident_id = ${incidentId} order by rule_id`),
  ];
}

// ---- the breach register ----

/** What became of one obligation, as the breach register shows it. */
export type DecisionKind = 'filed' | 'pending' | 'not_applicable' | 'determined_not_to_apply' | 'decision_missing';

export interface ObligationDecision {
  key: string;
  rule_id: string;
  jurisdiction: string;
  article: string;
  authority: string;
  applicability: Obligation['applicability'];
  status: Obligation['status'];
  decision: DecisionKind;
  due_at: string | null;
  legal_latest_at: string | null;
  /** Each stage filed (or, for notices to individuals, the notification time), with the authority's reference and whether it was in time. */
  filings: { stage: string; filed_at: string; reference: string | null; on_time: boolean }[];
  /** Why it does not apply: the engine's reason, or the team's note. */
  reason: string | null;
  determination: { applies: boolean; note: string | null; by: string | null; at: string | null } | null;
}

export interface IncidentDecisions {
  counts_source: EvaluationResult['counts_source'];
  affected_total: number | null;
  affected_by_jurisdiction: Record<string, number>;
  profile_version: number | null;
  decisions: ObligationDecision[];
}

const countryOf = (code: string) => code.split('-')[0]!;

/** Whether any of the codes reaches one of the places: the same code, a country and its subdivisions either way. */
export function reaches(ruleRegions: readonly string[], places: ReadonlySet<string>): boolean {
  return ruleRegions.some((r) => places.has(r) || places.has(countryOf(r)) || [...places].some((p) => countryOf(p) === r));
}

/** The obligations of an incident as decisions: filed, pending, not applicable (and why), determined not to apply, or still undecided. */
export async function obligationDecisions(db: Db, incidentId: string, now: Date): Promise<IncidentDecisions> {
  const g = await gather(db, incidentId);
  const [evaluation, filingRows] = [evaluateObligations(g.input, now, g.options), await listFilings(db, incidentId)];
  const counts = affectedCounts(g.input.incident, g.input.affected);
  const byJurisdiction = g.input.affected?.by_jurisdiction ?? g.incident.estimated_affected?.by_region ?? {};
  const places = new Set([...g.incident.regions, ...Object.keys(byJurisdiction)]);
  const decisions: ObligationDecision[] = [];
  for (const o of evaluation.obligations) {
    const d = g.input.determinations?.[o.rule_id];
    const filed = o.stages.filter((st) => st.filed_at);
    const rule = rulesById.get(o.rule_id);
    // A rule is worth a register line when it reaches one of the incident's places, or the team acted on it.
    if (o.applicability === 'not_applicable' && !d && !filed.length && !(rule && reaches(rule.trigger.regions, places))) continue;
    const filings = filed.map((st) => {
      const row = filingRows.find((f) => f.rule_id === o.rule_id && f.stage === st.key && (o.target === null || f.target === null || f.target === o.target));
      return { stage: st.key, filed_at: st.filed_at!, reference: row?.reference ?? null, on_time: st.status === 'met' };
    });
    const decision: DecisionKind =
      d && !d.applies ? 'determined_not_to_apply' : o.applicability === 'not_applicable' ? 'not_applicable' : filed.some((st) => st.kind === 'initial') ? 'filed' : o.applicability === 'possible' ? 'decision_missing' : 'pending';
    decisions.push({
      key: o.key,
      rule_id: o.rule_id,
      jurisdiction: o.jurisdiction,
      article: o.article,
      authority: o.notifies.name,
      applicability: o.applicability,
      status: o.status,
      decision,
      due_at: o.due_at,
      legal_latest_at: o.legal_latest_at,
      filings,
      reason: decision === 'determined_not_to_apply' ? (d?.note ?? null) : o.not_applicable_reason,
      determination: d ? { applies: d.applies, note: d.note ?? null, by: d.decided_by_name ?? null, at: d.decided_at?.toISOString() ?? null } : null,
    });
  }
  return { counts_source: counts.source, affected_total: counts.total, affected_by_jurisdiction: byJurisdiction, profile_version: g.judged.version, decisions };
}

// ---- profile pins ----

/**
 * Pins the profile version an incident is judged with (a responder's call, e.g. when a change of status
 * applied before it was recorded), or with null returns it to the version in force at its aware_at.
 */
export async function pinIncidentProfile(db: Db, incidentId: string, pin: { version: number | null; note: string }, actor: Actor, now: Date): Promise<void> {
  await inTransaction(db, async (tx) => {
    const incident = await getIncident(tx, incidentId);
    if (pin.version !== null && !(await getProfileVersion(tx, pin.version))) throw new InvalidFactsError([{ field: 'version', message: `there is no profile version ${pin.version}` }]);
    const before = await profileForIncident(tx, incidentId, profileMoment(incident));
    await pinProfile(tx, incidentId, pin.version, pin.note, actor, now);
    const after = await profileForIncident(tx, incidentId, profileMoment(incident));
    await recordEvent(tx, incidentId, pin.version === null ? 'obligation.profile_unpinned' : 'obligation.profile_pinned', actor, now, {
      from_version: before.version,
      to_version: after.version,
      note: pin.note,
    });
  });
}

// ---- report drafts ----

/** A draft report for one obligation, filled from the stored facts; `target` picks the authority of a rule owed to several. */
export async function draftReport(
  db: Db,
  incidentId: string,
  ruleId: string,
  q: { locale: string; stage?: string | undefined; target?: string | undefined },
  renderer: DraftRenderer,
  now: Date,
): Promise<{ text: string; obligation: Obligation }> {
  const rule = rulesById.get(ruleId);
  if (!rule) throw new NotFoundError('rule', ruleId);
  const g = await gather(db, incidentId);
  const owed = evaluateObligations(g.input, now, { ...g.options, rules: [rule] }).obligations;
  const obligation = q.target ? owed.find((o) => o.target === q.target) : owed[0];
  const problems: { field: string; message: string }[] = [];
  if (!obligation) problems.push({ field: 'query.target', message: `must be one of ${owed.map((o) => o.target).join(', ')}` });
  if (!renderer.locales.includes(q.locale)) problems.push({ field: 'query.locale', message: `must be one of ${renderer.locales.join(', ')}` });
  const stage = obligation ? draftStage(obligation, q.stage) : undefined;
  if (obligation && q.stage && !stage) problems.push({ field: 'query.stage', message: `must be one of ${obligation.stages.map((s) => s.key).join(', ') || rule.stages.map((s) => s.key).join(', ')}` });
  if (problems.length || !obligation) throw new InvalidFactsError(problems);
  const counts = affectedCounts(g.input.incident, g.input.affected);
  const place = obligation.target ?? obligation.jurisdiction;
  const text = renderer.render(
    q.locale,
    draftValues({ incident: g.incident, obligation, stage, profile: g.profile, countsSource: counts.source, total: counts.total, place, inJurisdiction: isRegionCode(place) ? counts.presence(place).count : null, now }),
  );
  return { text, obligation };
}
