// The deadline engine: applies every rule to an incident's facts and returns obligations with due times, statuses and an explanation trace.
import { addBusinessDays, addCalendarDays, addHours, describeDay, endOfLocalDay, formatLocalIso, localDateOf, offsetMinutes, rollToWorkingDay, type DayCount } from './calendars.js';
import { affectedCounts, combine } from './predicates.js';
import { allRules } from './rules/index.js';
import type {
  AnchorName,
  Determination,
  EvaluationInput,
  EvaluationOptions,
  EvaluationResult,
  Filing,
  Finding,
  Obligation,
  ObligationStatus,
  Rule,
  RuleContext,
  Stage,
  StageResult,
  TraceLine,
  Tri,
} from './types.js';

const defaultImmediateTargetHours = 24;
const defaultDueSoonFraction = 0.25;

/** Evaluate every rule against the incident at `now`. Pure: the same input and `now` give the same output. */
export function evaluateObligations(input: EvaluationInput, now: Date, options: EvaluationOptions = {}): EvaluationResult {
  const rules = options.rules ?? allRules;
  const counts = affectedCounts(input.incident, input.affected);
  const categories = new Set<string>(input.incident.data_categories);
  const affected = input.affected;
  if (affected) {
    for (const c of affected.data_categories ?? []) categories.add(c);
    for (const [c, n] of Object.entries(affected.by_data_category ?? {})) if (n > 0) categories.add(c);
    // Minors found in the snapshot mean children's data is involved, whatever the incident's categories say.
    if ((affected.minors ?? 0) > 0) categories.add('children');
  }
  const filings = indexFilings(input.filings ?? []);
  const obligations: Obligation[] = [];
  for (const rule of rules) {
    const anchorAt = anchorValue(input, rule.anchor);
    const judgedAt = anchorAt ?? input.incident.discovered_at ?? now;
    const ctx: RuleContext = { incident: input.incident, organisation: input.organisation ?? {}, counts, categories, judgedAt, timeZone: rule.timeZone };
    obligations.push(...evaluateRule(rule, ctx, input, filings, now, options));
  }
  return { evaluated_at: now.toISOString(), counts_source: counts.source, obligations };
}

function anchorValue(input: EvaluationInput, name: AnchorName): Date | null {
  return input.incident[name] ?? null;
}

type FilingIndex = Map<string, Filing[]>;

function indexFilings(filings: Filing[]): FilingIndex {
  const map: FilingIndex = new Map();
  for (const f of filings) {
    const key = `${f.rule_id}|${f.stage ?? 'initial'}`;
    const list = map.get(key) ?? [];
    list.push(f);
    map.set(key, list);
  }
  return map;
}

function firstFiling(index: FilingIndex, ruleId: string, stage: string, target: string | null): Date | null {
  let best: Date | null = null;
  for (const f of index.get(`${ruleId}|${stage}`) ?? []) {
    // A filing without a target counts for every authority of the rule.
    if (target !== null && f.target && f.target !== target) continue;
    if (!best || f.filed_at < best) best = f.filed_at;
  }
  return best;
}

/** Whether the rule is law on the day, in the given zone, the incident is judged at (its anchor, else discovery, else now). */
function effectiveness(rule: Rule, judgedAt: Date, options: EvaluationOptions, timeZone: string = rule.timeZone): { active: boolean; text: string } {
  const enabled = options.enableRules?.includes(rule.id) ?? false;
  const day = localDateOf(judgedAt, timeZone);
  const from = rule.effective.from;
  const until = rule.effective.until;
  if (until && day >= until) return { active: false, text: `no longer in force on ${day} in ${timeZone} (ended ${until})` };
  if (enabled) return { active: true, text: `${rule.status.replace(/_/g, ' ')}: evaluated because it was enabled for this evaluation (what-if)` };
  if (from && day < from) return { active: false, text: `not yet in force on ${day} in ${timeZone}: in force from ${from}` };
  if (rule.status === 'proposed') return { active: false, text: 'a proposal, not law: inactive unless enabled by name' };
  if (rule.status === 'not_in_force' && !from) return { active: false, text: 'not in force and no effective date set' };
  if (rule.status === 'voluntary') return { active: true, text: 'recommended practice, not a legal duty' };
  return { active: true, text: from ? `in force since ${from} (judged on ${day} in ${timeZone})` : `in force (judged on ${day} in ${timeZone})` };
}

function evaluateRule(rule: Rule, ctx: RuleContext, input: EvaluationInput, filings: FilingIndex, now: Date, options: EvaluationOptions): Obligation[] {
  const anchorAt = anchorValue(input, rule.anchor);
  const trace: TraceLine[] = [{ kind: 'note', text: `${rule.article} — ${rule.law}. Source: ${rule.source.url}` }];
  const eff = effectiveness(rule, ctx.judgedAt, options);
  trace.push({ kind: 'effective', text: eff.text });
  if (rule.uncertainty) trace.push({ kind: 'uncertain', text: rule.uncertainty });

  const base = {
    rule_id: rule.id,
    jurisdiction: rule.jurisdiction,
    law: rule.law,
    article: rule.article,
    rule_status: rule.status,
    anchor: { name: rule.anchor, at: anchorAt?.toISOString() ?? null, wording: rule.anchorWording },
    required_content: rule.requiredContent,
    confidence: rule.confidence,
    source: rule.source,
  };

  const notApplicable = (reason: string, applicabilityTrace: TraceLine[], unknown: string[] = []): Obligation[] => [
    {
      ...base,
      key: rule.id,
      target: null,
      notifies: rule.notifies,
      applicability: 'not_applicable',
      unknown_facts: unknown,
      time_zone: rule.timeZone,
      due_at: null,
      due_local: null,
      immediate: rule.stages[0]?.deadline.unit === 'without_undue_delay',
      target_at: null,
      target_local: null,
      legal_latest_at: null,
      legal_latest_local: null,
      legal_latest_basis: null,
      status: 'not_applicable',
      awaiting_anchor: null,
      calendar_incomplete: false,
      calendar_gaps: [],
      not_applicable_reason: reason,
      stages: [],
      trace: [...trace, ...applicabilityTrace],
    },
  ];

  // A rule owed to authorities in several zones is judged in each one's zone: the day may differ from the rule's.
  const targetList = rule.targets ? rule.targets(ctx) : null;
  const inForce = (tz: string) => (tz === rule.timeZone ? eff : effectiveness(rule, ctx.judgedAt, options, tz));
  const activeTargets = targetList?.filter((t) => inForce(t.timeZone).active) ?? null;
  if (!eff.active && !activeTargets?.length) return notApplicable(eff.text, []);

  const findings = rule.trigger.checks.map((c) => c(ctx));
  const unknownFacts = findings.filter((x) => x.result === 'unknown').map((x) => x.fact);
  let applies: Tri = combine(findings);
  const determination = input.determinations?.[rule.id];
  const findingTrace = determination ? determinedTrace(findings, determination) : findings.map(findingLine);
  if (determination) applies = determination.applies ? 'yes' : 'no';
  if (applies === 'no') {
    const reason = determination && !determination.applies ? `determined not to apply${determination.note ? `: ${determination.note}` : ''}` : findings.filter((x) => x.result === 'no').map((x) => `${x.fact}: no (${x.detail})`).join('; ');
    return notApplicable(reason, findingTrace, unknownFacts);
  }
  if (applies === 'unknown') {
    findingTrace.push({ kind: 'unknown', text: `treated as possibly applicable until these facts are recorded: ${unknownFacts.join('; ')}` });
  }

  const targets = targetList ?? [null];
  return targets.flatMap((t): Obligation[] => {
    const timeZone = t?.timeZone ?? rule.timeZone;
    if (t && !activeTargets?.includes(t)) {
      const reason = inForce(timeZone).text;
      return [{ ...notApplicable(reason, [...findingTrace, { kind: 'effective', text: `for the ${t.authority}: ${reason}` }])[0]!, key: `${rule.id}:${t.target}`, target: t.target, notifies: { kind: rule.notifies.kind, name: t.authority }, time_zone: timeZone }];
    }
    const targetTrace: TraceLine[] = t ? [{ kind: 'note', text: `owed to the ${t.authority} (no EU establishment, so no lead authority); times shown in ${timeZone}` }] : [];
    if (t && timeZone !== rule.timeZone) targetTrace.push({ kind: 'effective', text: `for the ${t.authority}: ${inForce(timeZone).text}` });
    const stages = computeStages(rule, t?.target ?? null, timeZone, ctx, input, filings, now, options, targetTrace);
    const main = stages.find((s) => s.status !== 'not_applicable') ?? stages[0];
    const { status, awaiting } = overallStatus(stages);
    const gaps = [...new Set(stages.flatMap((s) => s.calendar_gaps))];
    if (!anchorAt) targetTrace.unshift({ kind: 'anchor', text: `the clock starts at ${rule.anchor} (${rule.anchorWording}), which is not recorded yet: no date is guessed` });
    else targetTrace.unshift({ kind: 'anchor', text: `the clock starts at ${rule.anchor} = ${anchorAt.toISOString()} (${rule.anchorWording})` });
    for (const n of rule.notes ?? []) targetTrace.push({ kind: 'note', text: n });
    return [{
      ...base,
      key: t ? `${rule.id}:${t.target}` : rule.id,
      target: t?.target ?? null,
      notifies: t ? { kind: rule.notifies.kind, name: t.authority } : rule.notifies,
      applicability: applies === 'yes' ? 'applies' : 'possible',
      unknown_facts: determination ? [] : unknownFacts,
      time_zone: timeZone,
      due_at: main?.due_at ?? null,
      due_local: main?.due_local ?? null,
      immediate: main?.immediate ?? false,
      target_at: main?.target_at ?? null,
      target_local: main?.target_local ?? null,
      legal_latest_at: main?.legal_latest_at ?? null,
      legal_latest_local: main?.legal_latest_local ?? null,
      legal_latest_basis: main?.legal_latest_basis ?? null,
      status,
      awaiting_anchor: awaiting,
      calendar_incomplete: gaps.length > 0,
      calendar_gaps: gaps,
      not_applicable_reason: null,
      stages,
      trace: [...trace, ...findingTrace, ...targetTrace],
    } satisfies Obligation];
  });
}

/**
 * The trigger lines once the team has recorded a determination: it stands where the engine could not judge
 * (the first unknown fact), and the other unknown facts point to it; known facts keep their lines.
 */
function determinedTrace(findings: Finding[], d: Determination): TraceLine[] {
  const by = [d.decided_by_name ? `by ${d.decided_by_name}` : null, d.decided_at ? `on ${d.decided_at.toISOString()}` : null].filter(Boolean).join(' ');
  const line: TraceLine = {
    kind: d.applies ? 'trigger' : 'exclusion',
    text: `the team determined that the rule ${d.applies ? 'applies' : 'does not apply'}${by ? ` (${by})` : ''}${d.note ? `: ${d.note}` : ''}`,
  };
  const out: TraceLine[] = [];
  let placed = false;
  for (const x of findings) {
    if (x.result !== 'unknown') {
      out.push(findingLine(x));
    } else if (!placed) {
      out.push({ ...line, text: `${line.text} — settles ${x.fact}` });
      placed = true;
    } else {
      out.push({ kind: line.kind, text: `${x.fact}: settled by the determination above` });
    }
  }
  if (!placed) out.push(line);
  return out;
}

function findingLine(x: Finding): TraceLine {
  const kind = x.result === 'yes' ? 'trigger' : x.result === 'no' ? 'exclusion' : 'unknown';
  return { kind, text: `${x.fact}: ${x.result} (${x.detail})` };
}

/** Required stages decide: all met → met (or met_late); otherwise the most urgent open one. */
function overallStatus(stages: StageResult[]): { status: ObligationStatus; awaiting: string | null } {
  const required = stages.filter((s) => s.required && s.status !== 'not_applicable');
  if (!required.length) return { status: 'not_applicable', awaiting: null };
  const open = required.filter((s) => s.status !== 'met' && s.status !== 'met_late');
  if (!open.length) return { status: required.some((s) => s.status === 'met_late') ? 'met_late' : 'met', awaiting: null };
  for (const st of ['overdue', 'due_soon', 'upcoming'] as const) {
    if (open.some((s) => s.status === st)) return { status: st, awaiting: null };
  }
  return { status: 'awaiting_anchor', awaiting: open[0]!.awaiting };
}

function computeStages(
  rule: Rule,
  target: string | null,
  timeZone: string,
  ctx: RuleContext,
  input: EvaluationInput,
  filings: FilingIndex,
  now: Date,
  options: EvaluationOptions,
  trace: TraceLine[],
): StageResult[] {
  const dueByKey = new Map<string, Date>();
  const results: StageResult[] = [];
  for (const stage of rule.stages) {
    const label = `${stage.name}`;
    const deadline = { unit: stage.deadline.unit, amount: stage.deadline.amount, text: stage.deadline.text ?? null };
    const blank: StageResult = {
      key: stage.key,
      name: stage.name,
      kind: stage.kind,
      required: stage.required,
      deadline,
      starts_from: describeStart(stage),
      start_at: null,
      due_at: null,
      due_local: null,
      immediate: stage.deadline.unit === 'without_undue_delay',
      target_at: null,
      target_local: null,
      legal_latest_at: null,
      legal_latest_local: null,
      legal_latest_basis: null,
      filed_at: null,
      status: 'awaiting_anchor',
      awaiting: null,
      calendar_incomplete: false,
      calendar_gaps: [],
      skipped_days: [],
    };
    if (stage.condition) {
      const c = stage.condition(ctx);
      if (c.result === 'no') {
        results.push({ ...blank, status: 'not_applicable' });
        continue;
      }
      trace.push({ kind: c.result === 'yes' ? 'trigger' : 'unknown', text: `stage "${label}": ${c.fact}: ${c.result} (${c.detail})` });
    }

    const filed = stageFiling(rule, stage, target, input, filings, trace);
    const start = stageStart(stage, input, filings, rule.id, target, dueByKey, timeZone);
    if (!start.at) {
      trace.push({ kind: 'anchor', text: `stage "${label}" waits for ${start.awaiting}` });
      results.push({ ...blank, awaiting: start.awaiting, filed_at: filed?.toISOString() ?? null, status: filed ? 'met' : 'awaiting_anchor' });
      continue;
    }
    const computed = computeDue(stage, start.at, timeZone, rule.id, options);
    dueByKey.set(stage.key, computed.due);
    trace.push({ kind: 'computation', text: `stage "${label}": ${computed.explanation}` });
    for (const d of computed.days?.skipped ?? []) if (d.kind === 'holiday') trace.push({ kind: 'holiday', text: `skipped ${describeDay(d)}` });
    const weekends = (computed.days?.skipped ?? []).filter((d) => d.kind === 'weekend').length;
    if (weekends) trace.push({ kind: 'holiday', text: `skipped ${weekends} weekend day(s)` });
    for (const d of computed.days?.makeupDaysCounted ?? []) trace.push({ kind: 'holiday', text: `counted ${describeDay(d)} as a working day` });
    for (const n of computed.days?.sources ?? []) trace.push({ kind: 'note', text: `calendar ${n}` });
    const gaps = computed.days?.gaps ?? [];
    for (const n of gaps) trace.push({ kind: 'uncertain', text: `calendar incomplete: ${n}` });

    const ref = computed.target ?? computed.due;
    const status = stageStatus(start.at, ref, computed.legal?.at ?? null, filed, now, options);
    if (filed) {
      const late = filed.getTime() > ref.getTime();
      const verdict = !late ? `on time against ${ref.toISOString()}` : status === 'met' ? `after ${ref.toISOString()} but within the legal latest ${computed.legal!.at.toISOString()} (${computed.legal!.basis})` : `late against ${ref.toISOString()}`;
      trace.push({ kind: 'filing', text: `stage "${label}" filed at ${filed.toISOString()}: ${verdict}` });
    }
    results.push({
      ...blank,
      start_at: start.at.toISOString(),
      due_at: computed.due.toISOString(),
      due_local: formatLocalIso(computed.due, timeZone),
      target_at: computed.target?.toISOString() ?? null,
      target_local: computed.target ? formatLocalIso(computed.target, timeZone) : null,
      legal_latest_at: computed.legal?.at.toISOString() ?? null,
      legal_latest_local: computed.legal ? formatLocalIso(computed.legal.at, timeZone) : null,
      legal_latest_basis: computed.legal?.basis ?? null,
      filed_at: filed?.toISOString() ?? null,
      status,
      calendar_incomplete: gaps.length > 0,
      calendar_gaps: gaps,
      skipped_days: (computed.days?.skipped ?? []).map((d) => ({ date: d.date, kind: d.kind, name: d.name ?? null })),
    });
  }
  return results;
}

function describeStart(stage: Stage): string {
  const s = stage.start;
  if ('yearEnd' in s) return `end of the calendar year of ${s.anchor}`;
  if ('anchor' in s) return s.anchor;
  if ('afterFilingOf' in s) return `filing of stage ${s.afterFilingOf}`;
  if ('afterDueOf' in s) return `due time of stage ${s.afterDueOf}`;
  return s.event;
}

/** The recorded filing of a stage; for duties to individuals the recorded notification time counts, for internal assessments the completed assessment. */
function stageFiling(rule: Rule, stage: Stage, target: string | null, input: EvaluationInput, filings: FilingIndex, trace: TraceLine[]): Date | null {
  const filed = firstFiling(filings, rule.id, stage.key, target);
  if (filed) return filed;
  if (stage.kind !== 'initial') return null;
  if (rule.notifies.kind === 'individuals' && input.incident.individuals_notified_at) {
    trace.push({ kind: 'filing', text: `individuals_notified_at (${input.incident.individuals_notified_at.toISOString()}) taken as the notice` });
    return input.incident.individuals_notified_at;
  }
  if (rule.notifies.kind === 'internal' && input.incident.assessment_completed_at) {
    trace.push({ kind: 'filing', text: `assessment_completed_at (${input.incident.assessment_completed_at.toISOString()}) taken as the completed assessment` });
    return input.incident.assessment_completed_at;
  }
  return null;
}

function stageStart(
  stage: Stage,
  input: EvaluationInput,
  filings: FilingIndex,
  ruleId: string,
  target: string | null,
  dueByKey: Map<string, Date>,
  timeZone: string,
): { at: Date | null; awaiting: string } {
  const s = stage.start;
  if ('anchor' in s) {
    const at = input.incident[s.anchor] ?? null;
    if (!at) return { at: null, awaiting: s.anchor };
    if ('yearEnd' in s) return { at: endOfLocalDay(`${localDateOf(at, timeZone).slice(0, 4)}-12-31`, timeZone), awaiting: s.anchor };
    return { at, awaiting: s.anchor };
  }
  if ('afterFilingOf' in s) {
    const at = firstFiling(filings, ruleId, s.afterFilingOf, target);
    return { at, awaiting: `filing of stage "${s.afterFilingOf}"` };
  }
  if ('afterDueOf' in s) return { at: dueByKey.get(s.afterDueOf) ?? null, awaiting: `due time of stage "${s.afterDueOf}"` };
  return { at: null, awaiting: s.event };
}

interface ComputedDue {
  due: Date;
  target: Date | null;
  /** The latest the law allows when a statute rolls the period forward (null: due is the latest, or the duty is immediate). */
  legal: { at: Date; basis: string } | null;
  explanation: string;
  days: DayCount | null;
}

function computeDue(stage: Stage, start: Date, timeZone: string, ruleId: string, options: EvaluationOptions): ComputedDue {
  const d = stage.deadline;
  const startText = `${start.toISOString()} (${formatLocalIso(start, timeZone)})`;
  switch (d.unit) {
    case 'hours': {
      const due = addHours(start, d.amount);
      const shift = offsetMinutes(due, timeZone) - offsetMinutes(start, timeZone);
      const dst = shift ? `; the ${timeZone} clock moved ${shift > 0 ? 'forward' : 'back'} ${Math.abs(shift)} min inside the window, so the local wall time differs from the start's` : '';
      return { due, target: null, legal: null, days: null, explanation: `${d.amount} hours of elapsed time from ${startText} = ${due.toISOString()} (${formatLocalIso(due, timeZone)})${dst}` };
    }
    case 'calendar_days': {
      const plain = addCalendarDays(start, d.amount, timeZone);
      const explanation = `${d.amount} calendar days in ${timeZone} from ${startText}, not counting the start day; due at the end of ${plain.dueDate} = ${plain.due.toISOString()} (${formatLocalIso(plain.due, timeZone)})`;
      if (!d.roll) return { due: plain.due, target: null, legal: null, days: null, explanation };
      const days = rollToWorkingDay(start, plain.dueDate, d.roll.calendar, timeZone, options.holidaySchedules);
      if (days.dueDate === plain.dueDate) {
        return { due: plain.due, target: null, legal: { at: plain.due, basis: d.roll.basis }, days, explanation: `${explanation}; the last day is a working day on the ${d.roll.calendar} calendar, so ${d.roll.basis.replace(/ \(.*$/, '')} moves nothing` };
      }
      return {
        due: plain.due,
        target: null,
        legal: { at: days.due, basis: d.roll.basis },
        days,
        explanation: `${explanation}. The last day is not a working day on the ${d.roll.calendar} calendar: ${d.roll.basis} lets the period run to the end of ${days.dueDate} = ${days.due.toISOString()} (${formatLocalIso(days.due, timeZone)}), given as legal_latest_at; due_at keeps the earlier day, the safe side`,
      };
    }
    case 'business_days': {
      const days = addBusinessDays(start, d.amount, d.calendar, timeZone, options.holidaySchedules);
      return {
        due: days.due,
        target: null,
        legal: null,
        days,
        explanation: `${d.amount} business days on the ${d.calendar} calendar in ${timeZone} from ${startText}, not counting the start day; ${days.skipped.length} non-working day(s) skipped; due at the end of ${days.dueDate} = ${days.due.toISOString()} (${formatLocalIso(days.due, timeZone)})`,
      };
    }
    case 'without_undue_delay': {
      const byRule = options.immediateTargetByRule?.[ruleId];
      const targetHours = byRule ?? d.suggestedTargetHours ?? options.immediateTargetHours ?? defaultImmediateTargetHours;
      const origin = byRule !== undefined ? 'set by the team for this rule' : d.suggestedTargetHours !== undefined ? 'suggested for this rule by the reference notes' : options.immediateTargetHours !== undefined ? 'the team default' : 'the built-in default';
      const target = addHours(start, targetHours);
      const guide = d.guidance ? addCalendarDays(start, d.guidance.days, timeZone) : null;
      const guidance = d.guidance && guide ? `; ${d.guidance.text}: ${d.guidance.days} days from the start end at ${guide.due.toISOString()} (${formatLocalIso(guide.due, timeZone)}), guidance rather than a deadline` : '';
      return {
        due: start,
        target,
        legal: null,
        days: null,
        explanation: `no fixed period in law ("${d.text ?? 'without undue delay'}"): due at once from ${startText}; working target ${targetHours} h (${origin}) = ${target.toISOString()} (${formatLocalIso(target, timeZone)})${guidance}`,
      };
    }
  }
}

/** A filing after the due time but within a rolled-forward legal latest is on time in law. */
function stageStatus(start: Date, ref: Date, legalLatest: Date | null, filed: Date | null, now: Date, options: EvaluationOptions): ObligationStatus {
  if (filed) return filed.getTime() <= Math.max(ref.getTime(), legalLatest?.getTime() ?? 0) ? 'met' : 'met_late';
  const remaining = ref.getTime() - now.getTime();
  if (remaining < 0) return 'overdue';
  const window = Math.max(ref.getTime() - start.getTime(), 0);
  const fraction = options.dueSoon?.fraction ?? defaultDueSoonFraction;
  const hours = options.dueSoon?.hours;
  if (remaining <= window * fraction) return 'due_soon';
  if (hours !== undefined && remaining <= hours * 3_600_000) return 'due_soon';
  return 'upcoming';
}
