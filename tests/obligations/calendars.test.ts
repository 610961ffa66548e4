import { describe, it, expect } from 'vitest';
import { addBusinessDays, addCalendarDays, calendarFor, formatLocalIso, offsetMinutes, rollToWorkingDay, zonedTimeToInstant } from '../../src/obligations/calendars.js';

describe('time zones', () => {
  it('reads offsets on both sides of a daylight-saving change', () => {
    expect(offsetMinutes(new Date('2026-03-28T12:00:00Z'), 'Europe/Paris')).toBe(60);
    expect(offsetMinutes(new Date('2026-03-30T12:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutes(new Date('2026-07-01T12:00:00Z'), 'America/Los_Angeles')).toBe(-420);
    expect(offsetMinutes(new Date('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
  });

  it('turns a local wall time into the right instant, DST included', () => {
    expect(zonedTimeToInstant('2026-03-07', { hour: 23, minute: 59, second: 59 }, 'America/Los_Angeles').toISOString()).toBe('2026-03-08T07:59:59.000Z');
    expect(zonedTimeToInstant('2026-03-08', { hour: 23, minute: 59, second: 59 }, 'America/Los_Angeles').toISOString()).toBe('2026-03-09T06:59:59.000Z');
    expect(formatLocalIso(new Date('2026-10-09T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-10-09T23:59:59+08:00');
    expect(formatLocalIso(new Date('2026-01-15T03:00:00Z'), 'America/Sao_Paulo')).toBe('2026-01-15T00:00:00-03:00');
  });
});

describe('PRC calendar (official schedules shipped with breachkit)', () => {
  const cn = calendarFor('CN');

  it('knows the 2026 National Day holiday and its make-up working days', () => {
    expect(cn.dayInfo('2026-10-01')).toMatchObject({ business: false, kind: 'holiday' });
    expect(cn.dayInfo('2026-10-10')).toMatchObject({ business: true, kind: 'makeup_workday' });
    expect(cn.dayInfo('2026-09-20')).toMatchObject({ business: true, kind: 'makeup_workday' });
    expect(cn.dayInfo('2026-10-11')).toMatchObject({ business: false, kind: 'weekend' });
    expect(cn.dayInfo('2026-10-08')).toMatchObject({ business: true, kind: 'workday' });
  });

  it('rolls business days over National Day', () => {
    // Tue 29 Sep 10:00 Beijing: 30 Sep is day 1, 1–7 Oct are holidays, 8 and 9 Oct are days 2 and 3.
    const r = addBusinessDays(new Date('2026-09-29T02:00:00Z'), 3, 'CN', 'Asia/Shanghai');
    expect(r.dueDate).toBe('2026-10-09');
    expect(r.due.toISOString()).toBe('2026-10-09T15:59:59.000Z');
    expect(r.skipped.filter((d) => d.kind === 'holiday')).toHaveLength(7);
  });

  it('counts a Saturday make-up working day (调休) as a business day', () => {
    // Day 4 is Sat 10 Oct, worked in lieu; without it the fifth day would be Tue 13 Oct.
    const r = addBusinessDays(new Date('2026-09-29T02:00:00Z'), 5, 'CN', 'Asia/Shanghai');
    expect(r.dueDate).toBe('2026-10-12');
    expect(r.makeupDaysCounted.map((d) => d.date)).toEqual(['2026-10-10']);
  });

  it('says when no official schedule covers a year of the window instead of pretending', () => {
    expect(cn.coverageGap(2026)).toBeNull();
    const r = addBusinessDays(new Date('2030-01-02T02:00:00Z'), 2, 'CN', 'Asia/Shanghai');
    expect(r.gaps.join(' ')).toMatch(/no official CN holiday schedule for 2030/);
    const crossing = addBusinessDays(new Date('2026-12-28T02:00:00Z'), 5, 'CN', 'Asia/Shanghai');
    expect(crossing.gaps).toHaveLength(1);
    expect(crossing.gaps[0]).toMatch(/2027/);
  });

  it('rolls a calendar-day period ending on a rest day to the next working day, but not one ending on a make-up day', () => {
    const start = new Date('2026-09-03T02:00:00Z');
    const plain = addCalendarDays(start, 30, 'Asia/Shanghai');
    expect(plain.dueDate).toBe('2026-10-03');
    const onHoliday = rollToWorkingDay(start, plain.dueDate, 'CN', 'Asia/Shanghai');
    expect(onHoliday.dueDate).toBe('2026-10-08');
    expect(onHoliday.skipped.map((d) => d.date)).toEqual(['2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']);
    const onMakeup = rollToWorkingDay(new Date('2026-09-10T02:00:00Z'), '2026-10-10', 'CN', 'Asia/Shanghai');
    expect(onMakeup.dueDate).toBe('2026-10-10');
    expect(onMakeup.skipped).toEqual([]);
  });
});

describe('public-holiday calendars (date-holidays)', () => {
  it('skips Thanksgiving and the weekend for US federal business days', () => {
    const r = addBusinessDays(new Date('2026-11-24T15:00:00Z'), 4, 'US', 'America/New_York');
    expect(r.dueDate).toBe('2026-12-01');
    expect(r.due.toISOString()).toBe('2026-12-02T04:59:59.000Z');
    expect(r.skipped.find((d) => d.kind === 'holiday')?.name).toBe('Thanksgiving Day');
  });

  it('skips a Brazilian national holiday (Consciência Negra) and counts Carnival only as a bank day', () => {
    const r = addBusinessDays(new Date('2026-11-19T13:00:00Z'), 3, 'BR', 'America/Sao_Paulo');
    expect(r.dueDate).toBe('2026-11-25');
    expect(r.skipped.map((d) => d.date)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    expect(calendarFor('BR').dayInfo('2026-02-17').business).toBe(true);
  });

  it('counts calendar days without a roll calendar straight through weekends', () => {
    const r = addCalendarDays(new Date('2026-10-01T03:00:00Z'), 3, 'Asia/Singapore');
    expect(r.dueDate).toBe('2026-10-04');
    expect(r.due.toISOString()).toBe('2026-10-04T15:59:59.000Z');
  });
});
