// The shape of a parsed runbook: its steps, the roles that own them and the clock anchors their due times count from.
import type { Nature } from '../incidents/vocabulary.js';

/** The API roles whose key holders may settle a step (viewers never own steps). */
export const stepRoles = ['responder', 'approver', 'admin'] as const;
export type StepRole = (typeof stepRoles)[number];

/** Incident clocks a due time can count from, by field name; each also has a short name (`aware`). */
export const clockAnchors = [
  'occurred_from',
  'discovered_at',
  'aware_at',
  'determined_at',
  'contained_at',
  'assessment_completed_at',
  'individuals_notified_at',
  'disposal_ended_at',
] as const;
export type ClockAnchor = (typeof clockAnchors)[number];

/** Short name → field name: `occurred` → `occurred_from`, `aware` → `aware_at`. */
export const anchorFields: Readonly<Record<string, ClockAnchor>> = Object.fromEntries(
  clockAnchors.map((field) => [field.replace(/_(at|from)$/, ''), field]),
);

export const requiredSections = ['When to use', 'Roles', 'Preflight', 'Steps', 'Recovering an interrupted run'] as const;

export interface DueOffset {
  /** How long after the anchor the step is due. */
  minutes: number;
  anchor: ClockAnchor;
}

export interface RunbookStep {
  /** `<runbook slug>.<number>`: what checklist state refers to. */
  id: string;
  number: number;
  /** The owner as written: an API role or a function declared in front matter (`legal`). */
  owner: string;
  /** The API role that may complete or skip it. */
  role: StepRole;
  due: DueOffset | null;
  /** The `### Phase` heading the step sits under, if any. */
  phase: string | null;
  text: string;
  detail: string;
  line: number;
}

export interface Runbook {
  slug: string;
  title: string;
  version: string;
  /** Incident natures it attaches to automatically; empty means by hand only. */
  natures: Nature[];
  /** Function → API role, as declared in front matter. */
  roles: Record<string, StepRole>;
  /** Path relative to the runbooks folder. */
  file: string;
  /** Every `##` section's Markdown body, by heading. */
  sections: Record<string, string>;
  /** The Preflight section's list items. */
  preflight: string[];
  steps: RunbookStep[];
}

/** A runbook that breaks the format; names the file and the line to fix. */
export class RunbookError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`runbooks/${file}:${line}: ${problem}`);
    this.name = 'RunbookError';
  }
}
