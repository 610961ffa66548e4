// Small constructors that keep the rule modules readable: deadlines and the common stage shapes.
import type { AnchorName, Deadline, Stage } from '../types.js';

export const hours = (amount: number, text?: string): Deadline => ({ unit: 'hours', amount, text });
export const calendarDays = (amount: number, text?: string, rollCalendar?: string): Deadline => ({ unit: 'calendar_days', amount, text, rollCalendar });
export const businessDays = (amount: number, calendar: string, text?: string): Deadline => ({ unit: 'business_days', amount, calendar, text });
export const immediately = (text: string, suggestedTargetHours?: number): Deadline => ({ unit: 'without_undue_delay', amount: null, text, suggestedTargetHours });

/** The first (and often only) stage: the notice or report itself. */
export function initial(deadline: Deadline, anchor: AnchorName, name = 'notice', description?: string): Stage {
  return { key: 'initial', name, kind: 'initial', deadline, start: { anchor }, required: true, description };
}

/** Further information "as it becomes available", counted from the initial filing; not needed for the duty to be met. */
export function followUp(name: string, description?: string, deadline: Deadline = immediately('as soon as the information is available')): Stage {
  return { key: 'supplementary', name, kind: 'supplementary', deadline, start: { afterFilingOf: 'initial' }, required: false, description };
}
