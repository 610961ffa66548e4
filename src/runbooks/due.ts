// Due times of runbook steps from an incident's clock anchors, and which steps are overdue at a given moment.
import { anchorFields, clockAnchors, type ClockAnchor, type DueOffset, type RunbookStep } from './types.js';

/** An incident's clocks by field name; absent, null or invalid means not known yet. */
export type AnchorTimes = Readonly<Partial<Record<string, Date | null | undefined>>>;

/** A step is due at a time, or waits for an anchor nobody has set yet, or has no due time at all. */
export interface StepDue {
  due_at: Date | null;
  waiting_on: ClockAnchor | null;
}

export interface StepTiming extends StepDue {
  overdue: boolean;
}

export type StepState = 'open' | 'done' | 'skipped';

/** The field name for an anchor written either way (`aware` or `aware_at`), or null. */
export function resolveAnchor(name: string): ClockAnchor | null {
  if ((clockAnchors as readonly string[]).includes(name)) return name as ClockAnchor;
  return Object.hasOwn(anchorFields, name) ? anchorFields[name]! : null;
}

const units = { w: 10_080, d: 1_440, h: 60, m: 1 } as const;
const amountPattern = /^\+((?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?)$/;

/** Minutes in an amount such as `+30m`, `+4h`, `+1d12h`; null when it is not one. */
export function parseAmount(text: string): number | null {
  const m = amountPattern.exec(text);
  if (!m || !m[1]) return null;
  let minutes = 0;
  for (const [, n, unit] of m[1].matchAll(/(\d+)([wdhm])/g)) minutes += Number(n) * units[unit as keyof typeof units];
  return minutes;
}

/** `+1d12h from aware_at`: the canonical way to write an offset. */
export function formatOffset(due: DueOffset): string {
  let rest = due.minutes;
  let out = '';
  for (const [unit, size] of Object.entries(units)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return `+${out || '0m'} from ${due.anchor}`;
}

function known(at: Date | null | undefined): at is Date {
  return at instanceof Date && !Number.isNaN(at.getTime());
}

/** When a step is due, or which anchor it still waits for. */
export function dueOf(step: Pick<RunbookStep, 'due'>, anchors: AnchorTimes): StepDue {
  if (!step.due) return { due_at: null, waiting_on: null };
  const at = anchors[step.due.anchor];
  if (!known(at)) return { due_at: null, waiting_on: step.due.anchor };
  return { due_at: new Date(at.getTime() + step.due.minutes * 60_000), waiting_on: null };
}

/** Overdue means strictly past the due time; a step without a known due time never is. */
export function isOverdue(dueAt: Date | null, now: Date): boolean {
  return dueAt !== null && dueAt.getTime() < now.getTime();
}

/** Due time and overdue flag of a step in a given state: only open steps can be overdue. */
export function stepTiming(step: Pick<RunbookStep, 'due'>, anchors: AnchorTimes, now: Date, state: StepState = 'open'): StepTiming {
  const due = dueOf(step, anchors);
  return { ...due, overdue: state === 'open' && isOverdue(due.due_at, now) };
}

/** The open steps past due, earliest first; `stateOf` says a step's checklist state (open when unknown). */
export function overdueSteps<S extends Pick<RunbookStep, 'id' | 'due'>>(
  steps: readonly S[],
  anchors: AnchorTimes,
  now: Date,
  stateOf: (step: S) => StepState = () => 'open',
): { step: S; due_at: Date }[] {
  const out: { step: S; due_at: Date }[] = [];
  for (const step of steps) {
    const timing = stepTiming(step, anchors, now, stateOf(step));
    if (timing.overdue && timing.due_at) out.push({ step, due_at: timing.due_at });
  }
  return out.sort((a, b) => a.due_at.getTime() - b.due_at.getTime());
}
