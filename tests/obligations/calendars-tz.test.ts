// The host zone must not move holidays or weekends: dates are handled as plain YYYY-MM-DD days, never host-local Date methods.
import { describe, it, expect } from 'vitest';

process.env.TZ = 'America/Los_Angeles';

describe('calendars on a host west of UTC', () => {
  it('give the same days as on a UTC host', async () => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(480);
    const { calendarFor, addBusinessDays } = await import('../../src/obligations/calendars.js');
    expect(calendarFor('CN').dayInfo('2026-10-01').kind).toBe('holiday');
    expect(calendarFor('CN').dayInfo('2026-09-30').kind).toBe('workday');
    expect(calendarFor('CN').dayInfo('2026-10-10').kind).toBe('makeup_workday');
    expect(calendarFor('CN').dayInfo('2026-10-12').kind).toBe('workday');
    expect(calendarFor('CN').dayInfo('2026-10-11').kind).toBe('weekend');
    expect(calendarFor('US').dayInfo('2026-11-26').kind).toBe('holiday');
    expect(addBusinessDays(new Date('2026-09-29T02:00:00Z'), 5, 'CN', 'Asia/Shanghai').dueDate).toBe('2026-10-12');
  });
});
