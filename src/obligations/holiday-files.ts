// Holiday schedules an organisation supplies for years breachkit ships no official schedule for (the State
// Council publishes the next PRC year late in the year before): validated, kept, and used by every evaluation.
import { z } from '@hono/zod-openapi';
import type { Db } from '../db/client.js';
import { InvalidFactsError } from '../errors.js';
import { addDaysToDate, hasOfficialSchedule, weekdayOf } from './calendars.js';
import type { HolidaySchedule } from './holiday-schedules/index.js';
import { text } from '../lib/schema.js';

const day = z.iso.date().openapi({ example: '2027-02-06' });

export const holidayScheduleBody = z
  .strictObject({
    source: text(1000).pipe(z.string().min(1, 'name the official notice the days come from')).openapi({ description: 'The official notice the days are taken from.' }),
    holidays: z.array(z.strictObject({ from: day, to: day, name: text(200).pipe(z.string().min(1)) })).max(100),
    makeup_workdays: z
      .array(z.strictObject({ date: day, for: text(200).pipe(z.string().min(1)) }))
      .max(50)
      .default([])
      .openapi({ description: 'Weekend days that are working days (调休), with the holiday each pays back.' }),
  })
  .openapi('HolidaySchedule');

export type HolidayScheduleBody = z.output<typeof holidayScheduleBody>;

const inYear = (date: string, year: number) => date.startsWith(`${year}-`);
// A New Year holiday may start on the last days of the year before (2023's started on 31 December 2022).
const inYearOrLateDecemberBefore = (date: string, year: number) => inYear(date, year) || (date.startsWith(`${year - 1}-12-`) && date >= `${year - 1}-12-25`);

/** The checks a schedule must pass; each problem names its field. */
export function scheduleProblems(jurisdiction: string, year: number, body: HolidayScheduleBody): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (hasOfficialSchedule(jurisdiction, year)) {
    problems.push({ field: 'path.year', message: `breachkit ships the official ${jurisdiction} schedule for ${year}; a supplied one may only cover other years` });
  }
  const off = new Set<string>();
  body.holidays.forEach((h, i) => {
    if (!inYearOrLateDecemberBefore(h.from, year)) problems.push({ field: `holidays.${i}.from`, message: `must lie in ${year} (or the last week of ${year - 1})` });
    if (!inYear(h.to, year) && !inYearOrLateDecemberBefore(h.to, year)) problems.push({ field: `holidays.${i}.to`, message: `must lie in ${year}` });
    if (h.to < h.from) problems.push({ field: `holidays.${i}.to`, message: 'must not be before from' });
    else if (h.to <= `${year}-12-31`) for (let d = h.from; d <= h.to; d = addDaysToDate(d, 1)) off.add(d);
  });
  body.makeup_workdays.forEach((m, i) => {
    if (!inYearOrLateDecemberBefore(m.date, year)) problems.push({ field: `makeup_workdays.${i}.date`, message: `must lie in ${year}` });
    const w = weekdayOf(m.date);
    if (w !== 0 && w !== 6) problems.push({ field: `makeup_workdays.${i}.date`, message: 'a make-up working day is a Saturday or Sunday' });
    if (off.has(m.date)) problems.push({ field: `makeup_workdays.${i}.date`, message: 'is also listed as a holiday' });
  });
  return problems;
}

interface Row {
  jurisdiction: string;
  year: number;
  schedule: HolidayScheduleBody;
  supplied_by: string;
  supplied_at: Date;
}

export interface SuppliedSchedule extends HolidaySchedule {
  supplied_by: string;
  supplied_at: Date;
}

const toSchedule = (r: Row): SuppliedSchedule => ({ jurisdiction: r.jurisdiction, year: r.year, ...r.schedule, supplied_by: r.supplied_by, supplied_at: r.supplied_at });

export async function listSuppliedSchedules(db: Db): Promise<SuppliedSchedule[]> {
  const rows = await db<Row[]>`select jurisdiction, year, schedule, supplied_by, supplied_at from holiday_schedules order by jurisdiction, year`;
  return rows.map(toSchedule);
}

/** Stores (or replaces) the organisation's schedule for one jurisdiction and year, after checking it. */
export async function saveSuppliedSchedule(db: Db, jurisdiction: string, year: number, body: HolidayScheduleBody, by: string, at: Date): Promise<SuppliedSchedule> {
  const problems = scheduleProblems(jurisdiction, year, body);
  if (problems.length) throw new InvalidFactsError(problems);
  await db`
    insert into holiday_schedules (jurisdiction, year, schedule, supplied_by, supplied_at)
    values (${jurisdiction}, ${year}, ${db.json(body as never)}, ${by}, ${at})
    on conflict (jurisdiction, year) do update set schedule = excluded.schedule, supplied_by = excluded.supplied_by, supplied_at = excluded.supplied_at`;
  return { jurisdiction, year, ...body, supplied_by: by, supplied_at: at };
}

export async function deleteSuppliedSchedule(db: Db, jurisdiction: string, year: number): Promise<boolean> {
  const rows = await db`delete from holiday_schedules where jurisdiction = ${jurisdiction} and year = ${year} returning year`;
  return rows.length > 0;
}
