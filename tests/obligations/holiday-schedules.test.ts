// The PRC schedules breachkit ships are its own data; where chinese-days also has the year, every day must agree.
import { describe, it, expect } from 'vitest';
import chineseDays from 'chinese-days';
import { addDaysToDate } from '../../src/obligations/calendars.js';
import { calendarFor } from '../../src/obligations/calendars.js';
import { officialSchedules } from '../../src/obligations/holiday-schedules/index.js';

const libraryHasYear = (year: number) => chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;

/** What chinese-days says of a day: a named day off, a named working weekend day, or nothing special. */
function libraryDay(date: string): 'holiday' | 'makeup_workday' | 'plain' {
  const d = chineseDays.getDayDetail(date);
  if (!d.name.includes(',')) return 'plain';
  return d.work ? 'makeup_workday' : 'holiday';
}

describe('official PRC holiday schedules', () => {
  const cn = officialSchedules.filter((s) => s.jurisdiction === 'CN');

  it('ship one schedule per year, each citing the State Council notice', () => {
    expect(cn.map((s) => s.year)).toEqual([2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    for (const s of cn) expect(s.source).toContain(`国务院办公厅关于${s.year}年部分节假日安排的通知`);
  });

  it('agree with chinese-days on every day of every year both have', () => {
    const cal = calendarFor('CN');
    let compared = 0;
    for (const s of cn) {
      if (!libraryHasYear(s.year)) continue;
      for (let d = `${s.year}-01-01`; d <= `${s.year}-12-31`; d = addDaysToDate(d, 1)) {
        const ours = cal.dayInfo(d).kind;
        const theirs = libraryDay(d);
        expect({ date: d, kind: ours === 'weekend' || ours === 'workday' ? 'plain' : ours }).toEqual({ date: d, kind: theirs });
        compared++;
      }
    }
    // 2020–2026: seven years of days were compared, so the check above cannot pass by comparing nothing.
    expect(compared).toBe(2557);
  });

  it('leave 2027 unknown, as chinese-days does', () => {
    expect(libraryHasYear(2027)).toBe(false);
    expect(calendarFor('CN').coverageGap(2027)).toMatch(/no official CN holiday schedule for 2027/);
  });
});
