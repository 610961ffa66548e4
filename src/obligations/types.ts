// The shapes of the obligations engine: rules, the incident facts it reads, and the obligations it returns.
import type { CacGrade, DataCategory, Nature, RiskOfHarm, Severity } from '../incidents/vocabulary.js';
import type { HolidaySchedule } from './holiday-schedules/index.js';

export type { CacGrade, RiskOfHarm };

/** The moments a legal clock can count from; each is a fact recorded on the incident. */
export const anchorNames = [
  'occurred_from',
  'discovered_at',
  'aware_at',
  'determined_at',
  'assessment_completed_at',
  'materiality_determined_at',
  'individuals_notified_at',
  'disposal_ended_at',
] as const;
export type AnchorName = (typeof anchorNames)[number];

/** Three-valued logic: a fact that is not recorded is `unknown`, never a silent yes or no. */
export type Tri = 'yes' | 'no' | 'unknown';

export interface EstimatedAffected {
  total?: number;
  by_region?: Record<string, number>;
}

/** The incident facts the rules read. Optional facts left out are reported as unknown in the trace. */
export interface IncidentFacts {
  nature: Nature;
  severity: Severity;
  /** ISO 3166 codes: countries (CN, DE) and subdivisions (US-CA). */
  regions: string[];
  data_categories: (DataCategory | string)[];
  encrypted: boolean | null;
  estimated_affected: EstimatedAffected | null;
  occurred_from: Date | null;
  discovered_at: Date | null;
  aware_at: Date | null;
  determined_at?: Date | null;
  assessment_completed_at?: Date | null;
  materiality_determined_at?: Date | null;
  individuals_notified_at?: Date | null;
  disposal_ended_at?: Date | null;
  risk_of_harm?: RiskOfHarm | null;
  /** The key of encrypted data was exposed too (defeats the encryption safe harbour). */
  encryption_key_exposed?: boolean | null;
  /** Usernames or emails together with passwords or security answers were exposed. */
  credentials_exposed?: boolean | null;
  /** Caused with unlawful intent (intrusion, ransomware, insider theft); derived from `nature` when absent. */
  malicious?: boolean | null;
  /** The grade the team gave under the CAC Grading Guide; derived from counts and loss when absent. */
  cac_grade?: CacGrade | null;
  direct_loss_rmb?: number | null;
  /** Where the affected data was held (ISO codes); PIPL reaches all data held in the PRC. */
  data_held_in?: string[] | null;
  product_vulnerability?: boolean | null;
  national_security_or_public_interest?: boolean | null;
  /** The breach stayed within the organisation (Singapore excludes those). */
  internal_only?: boolean | null;
  /** Large-scale processing in the sense of ANPD Resolution 15/2024. */
  large_scale?: boolean | null;
}

/** Facts about the organisation rather than the incident (who it is decides which regimes reach it). */
export interface OrganisationProfile {
  cii_operator?: boolean | null;
  hipaa_covered_entity?: boolean | null;
  sec_domestic_registrant?: boolean | null;
  tw_digital_economy_business?: boolean | null;
  au_app_entity?: boolean | null;
  br_small_processing_agent?: boolean | null;
}

/** Counts from a resolved affected snapshot (structurally a subset of the affected room's summary). */
export interface AffectedSummary {
  total?: number;
  /** Country codes, or subdivision codes for countries counted per subdivision. */
  by_jurisdiction: Record<string, number>;
  by_country?: Record<string, number>;
  by_subdivision?: Record<string, number>;
  by_data_category?: Record<string, number>;
  data_categories?: string[];
  minors?: number;
}

export interface Filing {
  rule_id: string;
  /** Stage key (`initial` when absent). */
  stage?: string;
  /** For rules owed to several authorities (GDPR: one per member state); absent matches every one. */
  target?: string | null;
  filed_at: Date;
}

/** A legal conclusion the team recorded for a rule, settling facts the engine cannot judge. */
export interface Determination {
  applies: boolean;
  note?: string;
  decided_by_name?: string;
  decided_at?: Date;
}

export interface EvaluationInput {
  incident: IncidentFacts;
  affected?: AffectedSummary | null;
  filings?: Filing[];
  organisation?: OrganisationProfile;
  determinations?: Record<string, Determination>;
}

export interface EvaluationOptions {
  /** A stage is due soon in the last `fraction` of its window, or within `hours` of its due time. */
  dueSoon?: { fraction?: number; hours?: number };
  /** Team target for "immediately / without undue delay" duties, in hours (default 24). */
  immediateTargetHours?: number;
  immediateTargetByRule?: Record<string, number>;
  /** Rule ids of proposals or not-yet-in-force rules to evaluate anyway (what-if). */
  enableRules?: string[];
  /** The rule set (all rules by default). */
  rules?: readonly Rule[];
  /** Holiday schedules the organisation supplied for years breachkit ships no official schedule for. */
  holidaySchedules?: readonly HolidaySchedule[];
}

// ---- rules ----

/** A statute that lets a period ending on a weekend or holiday run to the next working day of a calendar. */
export interface RollForward {
  calendar: string;
  /** The article that allows it, e.g. "Texas Code Construction Act (Gov. Code) §311.014". */
  basis: string;
}

export type Deadline =
  | { unit: 'hours'; amount: number; text?: string }
  | { unit: 'calendar_days'; amount: number; text?: string; roll?: RollForward }
  | { unit: 'business_days'; amount: number; text?: string; calendar: string }
  | {
      unit: 'without_undue_delay';
      amount: null;
      text?: string;
      suggestedTargetHours?: number;
      /** An authority's guidance on how long "promptly" is, shown in the trace (never the due time). */
      guidance?: { days: number; text: string };
    };

/** What a stage's clock counts from. */
export type StageStart =
  | { anchor: AnchorName }
  | { anchor: AnchorName; yearEnd: true }
  | { afterFilingOf: string }
  | { afterDueOf: string }
  | { event: string };

export interface Finding {
  fact: string;
  result: Tri;
  detail: string;
}

export interface RuleContext {
  incident: IncidentFacts;
  organisation: OrganisationProfile;
  counts: AffectedCounts;
  /** Incident and snapshot categories, plus `children` when the snapshot found minors. */
  categories: ReadonlySet<string>;
  /** The date the rule is judged at (its anchor, else discovery, else now). */
  judgedAt: Date;
  /** The rule's own zone: statutory dates (effective dates, amendments) are days in it. */
  timeZone: string;
}

export interface Presence {
  result: Tri;
  count: number | null;
  detail: string;
}

export interface AffectedCounts {
  source: 'affected_snapshot' | 'incident_estimate';
  total: number | null;
  presence(code: string): Presence;
  /** The subdivisions of a country with their counts (for "residents of one state" tests). */
  subdivisions(country: string): Record<string, number>;
}

export type Check = (ctx: RuleContext) => Finding;

export interface Stage {
  key: string;
  name: string;
  kind: 'initial' | 'supplementary' | 'final';
  deadline: Deadline;
  start: StageStart;
  /** Must be done for the obligation to be met (supplementary "as needed" stages are not). */
  required: boolean;
  /** A stage that exists only in some cases (e.g. JP 60-day final report for malicious cases). */
  condition?: Check;
  description?: string;
}

export type RuleStatus = 'in_force' | 'not_in_force' | 'proposed' | 'voluntary';

export interface Rule {
  id: string;
  jurisdiction: string;
  law: string;
  article: string;
  notifies: { kind: 'authority' | 'individuals' | 'both' | 'internal'; name: string };
  timeZone: string;
  trigger: {
    summary: string;
    /** Where the rule reaches (ISO codes, for display and filtering). */
    regions: string[];
    checks: Check[];
  };
  /** For duties owed to several authorities at once: one obligation per target. */
  targets?: (ctx: RuleContext) => { target: string; authority: string; timeZone: string }[];
  anchor: AnchorName;
  /** The statute's own words for the start of the clock, when the anchor is our reading of them. */
  anchorWording: string;
  stages: Stage[];
  requiredContent: string[];
  effective: { from?: string; until?: string };
  status: RuleStatus;
  source: { citation: string; url: string };
  confidence: 'confirmed' | 'uncertain';
  /** What is uncertain and how the rule treats it. */
  uncertainty?: string;
  notes?: string[];
}

// ---- output ----

export type ObligationStatus = 'awaiting_anchor' | 'upcoming' | 'due_soon' | 'overdue' | 'met' | 'met_late' | 'not_applicable';

export interface TraceLine {
  kind: 'trigger' | 'exclusion' | 'unknown' | 'effective' | 'anchor' | 'computation' | 'holiday' | 'filing' | 'note' | 'uncertain';
  text: string;
}

export interface StageResult {
  key: string;
  name: string;
  kind: Stage['kind'];
  required: boolean;
  deadline: { unit: Deadline['unit']; amount: number | null; text: string | null };
  starts_from: string;
  start_at: string | null;
  due_at: string | null;
  due_local: string | null;
  immediate: boolean;
  target_at: string | null;
  target_local: string | null;
  /** The latest moment the law allows, where a statute rolls a period ending on a rest day forward; due_at stays the earlier day. */
  legal_latest_at: string | null;
  legal_latest_local: string | null;
  legal_latest_basis: string | null;
  filed_at: string | null;
  status: ObligationStatus;
  awaiting: string | null;
  /** The window crosses a year whose calendar is not known (no official holiday schedule). */
  calendar_incomplete: boolean;
  calendar_gaps: string[];
  skipped_days: { date: string; kind: string; name: string | null }[];
}

export interface Obligation {
  rule_id: string;
  /** `rule_id`, or `rule_id:target` for duties owed to several authorities. */
  key: string;
  target: string | null;
  jurisdiction: string;
  law: string;
  article: string;
  notifies: { kind: Rule['notifies']['kind']; name: string };
  applicability: 'applies' | 'possible' | 'not_applicable';
  unknown_facts: string[];
  rule_status: RuleStatus;
  anchor: { name: AnchorName; at: string | null; wording: string };
  time_zone: string;
  due_at: string | null;
  due_local: string | null;
  immediate: boolean;
  target_at: string | null;
  target_local: string | null;
  legal_latest_at: string | null;
  legal_latest_local: string | null;
  legal_latest_basis: string | null;
  status: ObligationStatus;
  awaiting_anchor: string | null;
  /** A window of this obligation crosses a year with no official holiday schedule for its calendar. */
  calendar_incomplete: boolean;
  calendar_gaps: string[];
  not_applicable_reason: string | null;
  stages: StageResult[];
  required_content: string[];
  confidence: Rule['confidence'];
  source: Rule['source'];
  trace: TraceLine[];
}

export interface EvaluationResult {
  evaluated_at: string;
  counts_source: 'affected_snapshot' | 'incident_estimate';
  obligations: Obligation[];
}
