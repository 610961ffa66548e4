import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTextTree } from '../../src/lib/assets.node.js';
import { dueOf, formatOffset, isOverdue, loadRunbooks, overdueSteps, parseAmount, resolveAnchor, stepTiming, type RunbookStep } from '../../src/runbooks/parse.js';

const at = (iso: string) => new Date(iso);
const step = (id: string, due: RunbookStep['due']) => ({ id, due });

describe('due times from clock anchors', () => {
  const anchors = { discovered_at: at('2026-11-20T10:00:00Z'), aware_at: at('2026-11-20T14:30:00Z'), contained_at: null };

  it('count the offset from the anchor', () => {
    expect(dueOf(step('a.1', { minutes: 30, anchor: 'discovered_at' }), anchors)).toEqual({ due_at: at('2026-11-20T10:30:00Z'), waiting_on: null });
    expect(dueOf(step('a.2', { minutes: 72 * 60, anchor: 'aware_at' }), anchors)).toEqual({ due_at: at('2026-11-23T14:30:00Z'), waiting_on: null });
  });

  it('wait on an anchor that is null, absent or not a valid date', () => {
    expect(dueOf(step('a.1', { minutes: 60, anchor: 'contained_at' }), anchors)).toEqual({ due_at: null, waiting_on: 'contained_at' });
    expect(dueOf(step('a.1', { minutes: 60, anchor: 'individuals_notified_at' }), anchors)).toEqual({ due_at: null, waiting_on: 'individuals_notified_at' });
    expect(dueOf(step('a.1', { minutes: 60, anchor: 'aware_at' }), { aware_at: new Date('nonsense') })).toEqual({ due_at: null, waiting_on: 'aware_at' });
  });

  it('have no due time and wait for nothing when the step has no offset', () => {
    expect(stepTiming(step('a.1', null), anchors, at('2030-01-01T00:00:00Z'))).toEqual({ due_at: null, waiting_on: null, overdue: false });
  });

  it('are overdue only strictly after the due time, and only while the step is open', () => {
    const s = step('a.1', { minutes: 60, anchor: 'discovered_at' });
    expect(stepTiming(s, anchors, at('2026-11-20T11:00:00Z')).overdue).toBe(false);
    expect(stepTiming(s, anchors, at('2026-11-20T11:00:00.001Z')).overdue).toBe(true);
    expect(stepTiming(s, anchors, at('2026-11-20T12:00:00Z'), 'done').overdue).toBe(false);
    expect(stepTiming(s, anchors, at('2026-11-20T12:00:00Z'), 'skipped').overdue).toBe(false);
    expect(isOverdue(null, at('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('list the open overdue steps, earliest due first', () => {
    const steps = [
      step('a.1', { minutes: 240, anchor: 'discovered_at' }),
      step('a.2', { minutes: 30, anchor: 'discovered_at' }),
      step('a.3', { minutes: 60, anchor: 'discovered_at' }),
      step('a.4', { minutes: 60, anchor: 'contained_at' }),
      step('a.5', null),
      step('a.6', { minutes: 24 * 60, anchor: 'aware_at' }),
    ];
    const now = at('2026-11-20T15:00:00Z');
    const overdue = overdueSteps(steps, anchors, now, (s) => (s.id === 'a.3' ? 'done' : 'open'));
    expect(overdue.map((o) => [o.step.id, o.due_at.toISOString()])).toEqual([
      ['a.2', '2026-11-20T10:30:00.000Z'],
      ['a.1', '2026-11-20T14:00:00.000Z'],
    ]);
  });

  it('work on a real runbook: an hour after discovery the first ransomware step is overdue, later ones wait for awareness', () => {
    const ransomware = loadRunbooks(readTextTree('runbooks')).get('ransomware')!;
    const anchorsNow = { discovered_at: at('2026-11-20T10:00:00Z'), aware_at: null };
    const now = at('2026-11-20T11:05:00Z');
    expect(overdueSteps(ransomware.steps, anchorsNow, now).map((o) => o.step.id)).toEqual(['ransomware.1']);
    const waiting = ransomware.steps.filter((s) => dueOf(s, anchorsNow).waiting_on === 'aware_at').map((s) => s.number);
    expect(waiting).toEqual([7, 8, 9]);
  });
});

describe('offsets and anchor names', () => {
  it('resolve short and field names, and nothing else', () => {
    expect(resolveAnchor('aware')).toBe('aware_at');
    expect(resolveAnchor('aware_at')).toBe('aware_at');
    expect(resolveAnchor('occurred')).toBe('occurred_from');
    expect(resolveAnchor('occurred_at')).toBeNull();
    expect(resolveAnchor('toString')).toBeNull();
    expect(resolveAnchor('closed_at')).toBeNull();
  });

  it('read amounts in weeks, days, hours and minutes, in that order', () => {
    expect(parseAmount('+30m')).toBe(30);
    expect(parseAmount('+1d12h')).toBe(36 * 60);
    expect(parseAmount('+2w')).toBe(14 * 1440);
    expect(parseAmount('+0m')).toBe(0);
    for (const bad of ['30m', '+', '+h', '+1.5h', '+12h1d', '+1y', '-1h', '+1h ']) expect(parseAmount(bad), bad).toBeNull();
  });

  it('write any offset back in a form that reads the same', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 10_080 }), (minutes) => {
        const written = formatOffset({ minutes, anchor: 'aware_at' });
        const [amount, , anchor] = written.split(' ');
        expect(parseAmount(amount!)).toBe(minutes);
        expect(anchor).toBe('aware_at');
      }),
    );
    expect(formatOffset({ minutes: 36 * 60 + 5, anchor: 'contained_at' })).toBe('+1d12h5m from contained_at');
  });
});
