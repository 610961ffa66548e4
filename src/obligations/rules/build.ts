// Small constructors that keep the rule modules readable: deadlines and the common stage shapes.
import type { AnchorName, Deadline, RollForward, Stage } from '../types.js';

export const hours = (amount: number, text?: string): Deadline => ({ unit: 'hours', amount, text });
export const calendarDays = (amount: number, text?: string, roll?: RollForward): Deadline => ({ unit: 'calendar_days', amount, text, roll });
export const businessDays = (amount: number, calendar: string, text?: string): Deadline => ({ unit: 'business_days', amount, calendar, text });
export const immediately = (text: string, suggestedTargetHours?: number, guidance?: { days: number; text: string }): Deadline => ({
  unit: 'without_undue_delay',
  amount: null,
  text,
  suggestedTargetHours,
  guidance,
});

/** Statutes that move the last day of a period off a weekend or holiday (the engine keeps the earlier day as due_at). */
export const rollForward = {
  CN: { calendar: 'CN', basis: 'PRC Civil Code art. 203 (a period whose last day is a rest day ends on the next working day)' },
  'US-TX': { calendar: 'US-TX', basis: 'Texas Code Construction Act, Gov. Code §311.014 (a period ending on a Saturday, Sunday or legal holiday runs to the next day that is none of these)' },
  AU: { calendar: 'AU', basis: 'Acts Interpretation Act 1901 (Cth) s 36(2) (a thing due on a day that is not a working day may be done on the next working day)' },
} satisfies Record<string, RollForward>;

/** The first (and often only) stage: the notice or report itself. */
export function initial(deadline: Deadline, anchor: AnchorName, name = 'notice', description?: string): Stage {
  return { key: 'initial', name, kind: 'initial', deadline, start: { anchor }, required: true, description };
}

/** Further information "as it becomes available", counted from the initial filing; not needed for the duty to be met. */
export function followUp(name: string, description?: string, deadline: Deadline = immediately('as soon as the information is available')): Stage {
  return { key: 'supplementary', name, kind: 'supplementary', deadline, start: { afterFilingOf: 'initial' }, required: false, description };
}
