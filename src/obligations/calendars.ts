// Time-zone arithmetic and business-day calendars for legal deadlines (public holidays from tables generated from
// date-holidays; PRC holidays and make-up working days from the official schedules in holiday-schedules/, or a
// schedule the organisation supplied).
import { publicHolidayTables, publicHolidayYears } from './public-holidays.generated.js';
import { officialSchedules, scheduledJurisdictions, type HolidaySchedule } from './holiday-schedules/index.js';

/** A calendar day in some time zone, as `YYYY-MM-DD`. */
export type LocalDate = string;

export interface DayInfo {
  date: LocalDate;
  business: boolean;
  kind: 'workday' | 'weekend' | 'holiday' | 'makeup_workday';
  /** The holiday's name, or for a make-up working day the holiday it pays back. */
  name?: string;
}

export interface BusinessCalendar {
  id: string;
  /** Where the calendar comes from, for the explanation trace. */
  source: string;
  dayInfo(date: LocalDate): DayInfo;
  /** Why days of this year may be wrong (e.g. official data not yet published), or null. */
  coverageGap(year: number): string | null;
  /** Where the days of a year come from when that is worth saying (an official notice, a supplied file), or null. */
  yearSource(year: number): string | null;
}

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building an Intl.DateTimeFormat is costly; one per zone is plenty.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of an instant in a zone. */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** Minutes the zone is ahead of UTC at that instant. */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a wall-clock time in a zone stands for (a time skipped by a DST jump lands just after it). */
export function zonedTimeToInstant(date: LocalDate, time: { hour: number; minute: number; second: number }, timeZone: string): Date {
  const [y, m, d] = splitDate(date);
  const guess = Date.UTC(y, m - 1, d, time.hour, time.minute, time.second);
  const first = offsetMinutes(new Date(guess), timeZone);
  let t = guess - first * 60_000;
  const second = offsetMinutes(new Date(t), timeZone);
  // Near a DST change the offset at the guess differs from the offset at the answer; one more step settles it.
  if (second !== first) t = guess - second * 60_000;
  return new Date(t);
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2026-10-09T23:59:59+08:00`. */
export function formatLocalIso(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  const off = offsetMinutes(instant, timeZone);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function addDaysToDate(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = splitDate(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function weekdayOf(date: LocalDate): number {
  const [y, m, d] = splitDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The last second of a local day, as an instant. */
export function endOfLocalDay(date: LocalDate, timeZone: string): Date {
  return zonedTimeToInstant(date, { hour: 23, minute: 59, second: 59 }, timeZone);
}

export function addHours(start: Date, hours: number): Date {
  return new Date(start.getTime() + hours * 3_600_000);
}

function splitDate(date: LocalDate): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  return [y!, m!, d!];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const weekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const isWeekend = (date: LocalDate) => {
  const w = weekdayOf(date);
  return w === 0 || w === 6;
};

/** Days off and make-up working days from holiday schedules (official or organisation-supplied), by date. */
function scheduleDays(schedules: readonly HolidaySchedule[]): Map<LocalDate, DayInfo> {
  const days = new Map<LocalDate, DayInfo>();
  for (const s of schedules) {
    for (const h of s.holidays) {
      for (let d = h.from; d <= h.to; d = addDaysToDate(d, 1)) days.set(d, { date: d, business: false, kind: 'holiday', name: h.name });
    }
    for (const m of s.makeup_workdays) days.set(m.date, { date: m.date, business: true, kind: 'makeup_workday', name: m.for });
  }
  return days;
}

/**
 * A calendar set each year by an official notice (the PRC: holidays and the weekend days worked in lieu, 调休).
 * A year with no schedule, shipped or supplied, is not known: only weekends are skipped and the gap is reported.
 */
function scheduledCalendar(id: string, official: readonly HolidaySchedule[], supplied: readonly HolidaySchedule[]): BusinessCalendar {
  const officialYears = new Map(official.map((s) => [s.year, s]));
  // An official schedule always wins over a supplied one for the same year.
  const usable = [...official, ...supplied.filter((s) => !officialYears.has(s.year))];
  const byYear = new Map(usable.map((s) => [s.year, s]));
  const days = scheduleDays(usable);
  return {
    id,
    source: `${id} holiday schedules with make-up working days: the official notices shipped with breachkit${supplied.length ? ', and schedules the organisation supplied' : ''}`,
    dayInfo(date) {
      const info = days.get(date);
      if (info) return info;
      return isWeekend(date) ? { date, business: false, kind: 'weekend' } : { date, business: true, kind: 'workday' };
    },
    coverageGap(year) {
      return byYear.has(year) ? null : `no official ${id} holiday schedule for ${year} is known (none shipped, none supplied by the organisation): only weekends were skipped, holidays and make-up working days of ${year} were not applied`;
    },
    yearSource(year) {
      const s = byYear.get(year);
      if (!s) return null;
      return officialYears.has(year) ? s.source : `supplied by the organisation: ${s.source}`;
    },
  };
}

/** A calendar's public holidays of the shipped years, by local day (names of a shared day joined), read once. */
const publicHolidayDays = new Map<string, Map<LocalDate, string>>();

function publicHolidaysOf(id: string): Map<LocalDate, string> {
  let days = publicHolidayDays.get(id);
  if (days) return days;
  const table = publicHolidayTables[id];
  if (!table) throw new Error(`no public-holiday table for calendar ${id}: add it to a rule and run npm run holiday-tables`);
  days = new Map();
  for (const entry of table.days.split(' ')) {
    const [day = '', index = ''] = entry.split(':');
    days.set(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`, table.names[Number(index)]!);
  }
  publicHolidayDays.set(id, days);
  return days;
}

/**
 * A calendar of public holidays (type "public" in date-holidays: bank and optional days are working days), with
 * supplied extra days. The days come from a table generated from date-holidays for a range of years, so that no
 * holiday engine (moment-timezone, astronomia) ships in the Workers bundle; a year outside it is not known.
 */
function publicHolidayCalendar(id: string, supplied: readonly HolidaySchedule[]): BusinessCalendar {
  const holidays = publicHolidaysOf(id);
  const extra = scheduleDays(supplied);
  const suppliedYears = new Map(supplied.map((s) => [s.year, s]));
  const shipped = (year: number) => year >= publicHolidayYears.first && year <= publicHolidayYears.last;
  return {
    id,
    source: `public holidays of ${id} (date-holidays${supplied.length ? ', with days the organisation supplied' : ''})`,
    dayInfo(date) {
      const added = extra.get(date);
      if (added) return added;
      const name = holidays.get(date);
      if (name) return { date, business: false, kind: 'holiday', name };
      if (isWeekend(date)) return { date, business: false, kind: 'weekend' };
      return { date, business: true, kind: 'workday' };
    },
    coverageGap(year) {
      return shipped(year) || suppliedYears.has(year)
        ? null
        : `public holidays of ${id} are shipped for ${publicHolidayYears.first}–${publicHolidayYears.last} only: for ${year} only weekends were skipped`;
    },
    yearSource(year) {
      const s = suppliedYears.get(year);
      return s ? `date-holidays, with days supplied by the organisation: ${s.source}` : null;
    },
  };
}

const calendars = new Map<string, BusinessCalendar>();

function buildCalendar(id: string, supplied: readonly HolidaySchedule[]): BusinessCalendar {
  if (scheduledJurisdictions.has(id)) return scheduledCalendar(id, officialSchedules.filter((s) => s.jurisdiction === id), supplied);
  return publicHolidayCalendar(id, supplied);
}

/**
 * The business-day calendar of a jurisdiction (ISO 3166-1 code, or a subdivision such as US-TX). Without
 * supplied schedules it is built once and kept; with them, built for the evaluation (they are small).
 */
export function calendarFor(id: string, supplied: readonly HolidaySchedule[] = []): BusinessCalendar {
  const own = supplied.filter((s) => s.jurisdiction === id);
  if (own.length) return buildCalendar(id, own);
  let cal = calendars.get(id);
  if (!cal) {
    cal = buildCalendar(id, []);
    calendars.set(id, cal);
  }
  return cal;
}

/** Whether a year of a jurisdiction's calendar is covered by an official schedule breachkit ships. */
export function hasOfficialSchedule(id: string, year: number): boolean {
  return officialSchedules.some((s) => s.jurisdiction === id && s.year === year);
}

export interface DayCount {
  due: Date;
  dueDate: LocalDate;
  /** Days passed over: weekends and holidays. */
  skipped: DayInfo[];
  /** Weekend days counted because they are worked in lieu (PRC). */
  makeupDaysCounted: DayInfo[];
  /** Years inside the window whose calendar is not known (no official schedule): the count may be wrong. */
  gaps: string[];
  /** Where the days of the years inside the window come from, when that is worth saying. */
  sources: string[];
}

/** What the calendar says about every year from the start's to the end's: the gaps and the sources. */
function coverage(cal: BusinessCalendar, from: LocalDate, to: LocalDate): { gaps: string[]; sources: string[] } {
  const gaps: string[] = [];
  const sources: string[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    const gap = cal.coverageGap(y);
    if (gap) gaps.push(gap);
    const source = cal.yearSource(y);
    if (source) sources.push(`${y}: ${source}`);
  }
  return { gaps, sources };
}

/**
 * The end of the n-th business day after the start, in the zone: the start day itself is not counted,
 * and the deadline is the last second of the final day.
 */
export function addBusinessDays(start: Date, n: number, calendarId: string, timeZone: string, supplied: readonly HolidaySchedule[] = []): DayCount {
  const cal = calendarFor(calendarId, supplied);
  const skipped: DayInfo[] = [];
  const makeupDaysCounted: DayInfo[] = [];
  const first = localDateOf(start, timeZone);
  let date = first;
  let counted = 0;
  // A year has at most ~120 non-working days, so this bound is never reached by a real count.
  for (let guard = 0; counted < n && guard < 3660; guard++) {
    date = addDaysToDate(date, 1);
    const info = cal.dayInfo(date);
    if (info.business) {
      counted++;
      if (info.kind === 'makeup_workday') makeupDaysCounted.push(info);
    } else {
      skipped.push(info);
    }
  }
  return { due: endOfLocalDay(date, timeZone), dueDate: date, skipped, makeupDaysCounted, ...coverage(cal, first, date) };
}

/** The end of the n-th calendar day after the start, in the zone (the start day is not counted). */
export function addCalendarDays(start: Date, n: number, timeZone: string): { due: Date; dueDate: LocalDate } {
  const dueDate = addDaysToDate(localDateOf(start, timeZone), n);
  return { due: endOfLocalDay(dueDate, timeZone), dueDate };
}

/**
 * Where a statute lets a period that ends on a rest day run to the next working day: the final day moved
 * forward over weekends and holidays of the calendar (a make-up working day is a working day).
 */
export function rollToWorkingDay(start: Date, lastDay: LocalDate, calendarId: string, timeZone: string, supplied: readonly HolidaySchedule[] = []): DayCount {
  const cal = calendarFor(calendarId, supplied);
  const skipped: DayInfo[] = [];
  const makeupDaysCounted: DayInfo[] = [];
  let date = lastDay;
  for (let guard = 0; guard < 60; guard++) {
    const info = cal.dayInfo(date);
    if (info.business) {
      if (info.kind === 'makeup_workday') makeupDaysCounted.push(info);
      break;
    }
    skipped.push(info);
    date = addDaysToDate(date, 1);
  }
  return { due: endOfLocalDay(date, timeZone), dueDate: date, skipped, makeupDaysCounted, ...coverage(cal, localDateOf(start, timeZone), date) };
}

export function describeDay(info: DayInfo): string {
  const weekday = weekdayNames[weekdayOf(info.date)];
  if (info.kind === 'holiday') return `${info.date} (${weekday}, ${info.name})`;
  if (info.kind === 'makeup_workday') return `${info.date} (${weekday}, worked in lieu for ${info.name})`;
  return `${info.date} (${weekday})`;
}
