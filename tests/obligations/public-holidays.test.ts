import { describe, expect, it } from 'vitest';
import { addDaysToDate, calendarFor } from '../../src/obligations/calendars.js';
import { publicHolidayTables, publicHolidayYears } from '../../src/obligations/public-holidays.generated.js';
import { firstYear, lastYear, publicHolidaysOf, ruleCalendars } from '../../scripts/public-holidays.js';

describe('the shipped public-holiday tables', () => {
  it('cover every calendar the rules count in, for the range the generator writes', () => {
    expect(Object.keys(publicHolidayTables).sort()).toEqual(ruleCalendars());
    expect(ruleCalendars()).toEqual(['AU', 'BR', 'US', 'US-TX']);
    expect(publicHolidayYears).toEqual({ first: firstYear, last: lastYear });
  });

  it('give every day of every shipped year the answer date-holidays gives', () => {
    for (const id of ruleCalendars()) {
      const cal = calendarFor(id);
      for (let year = firstYear; year <= lastYear; year++) {
        const expected = publicHolidaysOf(id, year);
        const seen = new Map<string, string>();
        for (let day = `${year}-01-01`; day.startsWith(`${year}-`); day = addDaysToDate(day, 1)) {
          const info = cal.dayInfo(day);
          if (info.kind === 'holiday') seen.set(day, info.name!);
        }
        expect(seen, `${id} ${year}`).toEqual(expected);
        expect(cal.coverageGap(year)).toBeNull();
      }
    }
  }, 60_000);

  it('say so for a year outside the shipped range, and skip only weekends there', () => {
    const us = calendarFor('US');
    expect(us.coverageGap(lastYear + 1)).toMatch(/public holidays of US are shipped for 2000–2100 only/);
    expect(us.dayInfo(`${lastYear + 1}-07-04`)).toMatchObject({ kind: 'workday' });
    expect(calendarFor('US').dayInfo('2026-07-03')).toMatchObject({ kind: 'holiday', name: 'Independence Day (substitute day)' });
  });
});
