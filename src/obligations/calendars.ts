// Time-zone arithmetic and business-day calendars for legal deadlines (public holidays from date-holidays, PRC holidays and make-up working days from chinese-days).
import Holidays from 'date-holidays';
import chineseDays from 'chinese-days';

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

/** The PRC calendar: official holidays and the weekend days worked in lieu (调休), per the State Council notices that chinese-days carries. */
function chinaCalendar(): BusinessCalendar {
  const coverage = new Map<number, boolean>();
  // chinese-days builds its tables and reads string dates through the same UTC-parse/local-format path, so plain
  // `YYYY-MM-DD` strings stay consistent in any host zone; Date objects do not west of UTC. Its echoed `date` is not used.
  const hasYear = (year: number) => {
    let known = coverage.get(year);
    if (known === undefined) {
      known = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;
      coverage.set(year, known);
    }
    return known;
  };
  return {
    id: 'CN',
    source: 'PRC official holiday schedule with make-up working days (chinese-days)',
    dayInfo(date) {
      const detail = chineseDays.getDayDetail(date);
      // Only the holiday and make-up tables are trusted (named "English,中文,days"); chinese-days takes the weekday from
      // the host zone, which is a day off west of UTC, so weekends are decided here.
      if (detail.name.includes(',')) {
        const name = describeChineseHoliday(detail.name);
        if (!detail.work) return { date, business: false, kind: 'holiday', name };
        return isWeekend(date) ? { date, business: true, kind: 'makeup_workday', name } : { date, business: true, kind: 'workday' };
      }
      return isWeekend(date) ? { date, business: false, kind: 'weekend' } : { date, business: true, kind: 'workday' };
    },
    coverageGap(year) {
      return hasYear(year) ? null : `the official PRC holiday schedule for ${year} is not in the installed chinese-days data: only weekends were skipped, holidays and make-up working days were not applied`;
    },
  };
}

function describeChineseHoliday(raw: string): string {
  const [en, zh] = raw.split(',');
  return zh ? `${en} (${zh})` : (en ?? raw);
}

/** A national calendar of public holidays (type "public" in date-holidays: bank and optional days are working days). */
function publicHolidayCalendar(country: string): BusinessCalendar {
  const hd = new Holidays(country);
  const years = new Map<number, Map<LocalDate, string>>();
  const holidaysOf = (year: number) => {
    let map = years.get(year);
    if (!map) {
      map = new Map();
      for (const h of hd.getHolidays(year)) {
        // `date` is the local start in the country's own zone, so its first ten characters are the local day.
        if (h.type === 'public') {
          const day = h.date.slice(0, 10);
          map.set(day, map.has(day) ? `${map.get(day)}; ${h.name}` : h.name);
        }
      }
      years.set(year, map);
    }
    return map;
  };
  return {
    id: country,
    source: `public holidays of ${country} (date-holidays)`,
    dayInfo(date) {
      const name = holidaysOf(Number(date.slice(0, 4))).get(date);
      if (name) return { date, business: false, kind: 'holiday', name };
      if (isWeekend(date)) return { date, business: false, kind: 'weekend' };
      return { date, business: true, kind: 'workday' };
    },
    coverageGap: () => null,
  };
}

const calendars = new Map<string, BusinessCalendar>();

/** The business-day calendar of a jurisdiction (ISO 3166-1 code); built once and kept. */
export function calendarFor(id: string): BusinessCalendar {
  let cal = calendars.get(id);
  if (!cal) {
    cal = id === 'CN' ? chinaCalendar() : publicHolidayCalendar(id);
    calendars.set(id, cal);
  }
  return cal;
}

export interface DayCount {
  due: Date;
  dueDate: LocalDate;
  /** Days passed over: weekends and holidays, and (PRC) weekend days counted because they are worked in lieu. */
  skipped: DayInfo[];
  makeupDaysCounted: DayInfo[];
  notes: string[];
}

/**
 * The end of the n-th business day after the start, in the zone: the start day itself is not counted,
 * and the deadline is the last second of the final day.
 */
export function addBusinessDays(start: Date, n: number, calendarId: string, timeZone: string): DayCount {
  const cal = calendarFor(calendarId);
  const skipped: DayInfo[] = [];
  const makeupDaysCounted: DayInfo[] = [];
  const gaps = new Set<string>();
  let date = localDateOf(start, timeZone);
  let counted = 0;
  // A year has at most ~120 non-working days, so this bound is never reached by a real count.
  for (let guard = 0; counted < n && guard < 3660; guard++) {
    date = addDaysToDate(date, 1);
    const gap = cal.coverageGap(Number(date.slice(0, 4)));
    if (gap) gaps.add(gap);
    const info = cal.dayInfo(date);
    if (info.business) {
      counted++;
      if (info.kind === 'makeup_workday') makeupDaysCounted.push(info);
    } else {
      skipped.push(info);
    }
  }
  return { due: endOfLocalDay(date, timeZone), dueDate: date, skipped, makeupDaysCounted, notes: [...gaps] };
}

/**
 * The end of the n-th calendar day after the start, in the zone. With a roll calendar, a final day that is
 * not a working day moves to the next working day (as PRC law does for periods ending on a rest day).
 */
export function addCalendarDays(start: Date, n: number, timeZone: string, rollCalendarId?: string): DayCount {
  let date = addDaysToDate(localDateOf(start, timeZone), n);
  const skipped: DayInfo[] = [];
  const makeupDaysCounted: DayInfo[] = [];
  const notes: string[] = [];
  if (rollCalendarId) {
    const cal = calendarFor(rollCalendarId);
    const gap = cal.coverageGap(Number(date.slice(0, 4)));
    if (gap) notes.push(gap);
    for (let guard = 0; guard < 60; guard++) {
      const info = cal.dayInfo(date);
      if (info.business) {
        if (info.kind === 'makeup_workday') makeupDaysCounted.push(info);
        break;
      }
      skipped.push(info);
      date = addDaysToDate(date, 1);
    }
  }
  return { due: endOfLocalDay(date, timeZone), dueDate: date, skipped, makeupDaysCounted, notes };
}

export function describeDay(info: DayInfo): string {
  const weekday = weekdayNames[weekdayOf(info.date)];
  if (info.kind === 'holiday') return `${info.date} (${weekday}, ${info.name})`;
  if (info.kind === 'makeup_workday') return `${info.date} (${weekday}, worked in lieu for ${info.name})`;
  return `${info.date} (${weekday})`;
}
