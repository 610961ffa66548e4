import { describe, expect, it } from 'vitest';
import { readTextTree } from '../../src/lib/assets.node.js';
import { dueOf, loadRunbooks, parseRunbook, RunbookError, runbooksForNature } from '../../src/runbooks/parse.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

const files = readTextTree('runbooks');
const good = files['ransomware.md']!;

describe('runbook files', () => {
  it('all parse, each with steps, and attach by nature', () => {
    const runbooks = loadRunbooks(files);
    expect(runbooks.size).toBe(9);
    for (const r of runbooks.values()) expect(r.steps.length).toBeGreaterThanOrEqual(5);
    expect(runbooksForNature(runbooks, 'ransomware').map((r) => r.slug).sort()).toEqual(['ransomware', 'regulator-reporting']);
    expect(runbooksForNature(runbooks, 'accidental_disclosure').map((r) => r.slug).sort()).toEqual(['exposed-storage', 'misdirected-mail', 'regulator-reporting']);
  });

  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const broken: [string, (t: string) => string, RegExp, (t: string) => number][] = [
    ['an unknown role', (t) => t.replace('1. [responder]', '1. [intern]'), /unknown role intern/, (t) => lineOf(t, '1. [intern]')],
    ['an unknown anchor', (t) => t.replace('[+1h from discovered]', '[+1h from lunch]'), /unknown clock anchor lunch/, (t) => lineOf(t, 'from lunch')],
    ['a malformed step', (t) => t.replace('2. [responder]', '2. responder'), /a step reads/, (t) => lineOf(t, '2. responder')],
    ['a gap in numbering', (t) => t.replace('3. [responder]', '4. [responder]'), /step 4 should be step 3/, (t) => lineOf(t, '4. [responder] [+6h')],
    ['a missing section', (t) => t.replace('## Preflight', '## Before'), /"## Preflight" is missing/, (t) => t.split('\n').length],
    ['a bad nature', (t) => t.replace('natures: [ransomware]', 'natures: [hack]'), /natures must be a list/, (t) => lineOf(t, 'natures:')],
    ['no front matter', (t) => t.replace(/^---\n/, ''), /must open with front matter/, () => 1],
  ];
  for (const [what, breakIt, message, line] of broken) {
    it(`refuses ${what}, naming file and line`, () => {
      const text = breakIt(good);
      let caught: unknown;
      try {
        parseRunbook('ransomware.md', text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(RunbookError);
      expect((caught as RunbookError).message).toMatch(message);
      expect((caught as RunbookError).line).toBe(line(text));
      expect((caught as RunbookError).message).toMatch(/^runbooks\/ransomware\.md:\d+: /);
    });
  }

  it('refuses two runbooks with the same slug', () => {
    expect(() => loadRunbooks({ 'a.md': good, 'b.md': good })).toThrow(/slug ransomware is already used by a\.md/);
  });

  it('counts due times from the anchor, or waits for it', () => {
    const [step] = parseRunbook('r.md', good).steps;
    expect(step!.due).toEqual({ minutes: 60, anchor: 'discovered' });
    expect(dueOf(step!, { discovered_at: new Date('2026-11-20T10:00:00Z') }).due_at).toEqual(new Date('2026-11-20T11:00:00Z'));
    expect(dueOf(step!, { discovered_at: null })).toEqual({ due_at: null, waiting_on: 'discovered' });
  });
});

describeEachDatabase('checklists', (harness) => {
  it('attaches by nature at open, by hand later, flags overdue steps, and records every change', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), nature: 'ransomware' } }));
    let list = await json<{ data: { step_id: string; state: string; due_at: string | null; waiting_on: string | null; overdue: boolean; role: string }[] }>(
      await h.request('GET', `/v1/incidents/${id}/checklist`, { as: 'viewer' }),
    );
    expect(new Set(list.data.map((s) => s.step_id.split('.')[0]))).toEqual(new Set(['ransomware', 'regulator-reporting']));
    // Discovered 20 hours ago: "+1h from discovered" is overdue, and shows on the incident.
    expect(list.data.find((s) => s.step_id === 'ransomware.1')).toMatchObject({ overdue: true, state: 'open' });
    const incident = await json<{ overdue_steps: { step_id: string }[] }>(await h.request('GET', `/v1/incidents/${id}`));
    expect(incident.overdue_steps.map((s) => s.step_id)).toContain('ransomware.1');

    expect((await h.request('POST', `/v1/incidents/${id}/checklist`, { as: 'responder', json: { runbook: 'notification-process' } })).status).toBe(201);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist`, { as: 'responder', json: { runbook: 'notification-process' } })).status).toBe(409);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist`, { as: 'responder', json: { runbook: 'no-such' } })).status).toBe(404);
    list = await json(await h.request('GET', `/v1/incidents/${id}/checklist`));
    // Individuals have not been notified yet: that step waits for its anchor.
    expect(list.data.find((s) => s.step_id === 'notification-process.6')).toMatchObject({ due_at: null, waiting_on: 'individuals_notified', overdue: false });

    const done = await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.1`, { as: 'responder', json: { action: 'complete', note: 'VLAN 12 isolated' } });
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({ state: 'done', changed_by: 'test responder', overdue: false });
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.1`, { as: 'responder', json: { action: 'complete' } })).status).toBe(409);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.2`, { as: 'responder', json: { action: 'skip' } })).status).toBe(422);
    // Step 4 belongs to the approver: a responder may not settle it, an approver may.
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.4`, { as: 'responder', json: { action: 'complete' } })).status).toBe(403);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.4`, { as: 'approver', json: { action: 'skip', note: 'no law enforcement contact needed' } })).status).toBe(200);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.3`, { as: 'viewer', json: { action: 'complete' } })).status).toBe(403);

    const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[]; verification: { valid: boolean } }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    const types = timeline.events.map((e) => e.type);
    expect(types.filter((t) => t === 'runbook.attached')).toHaveLength(3);
    expect(timeline.events.find((e) => e.type === 'checklist.step_done')!.data).toMatchObject({ step: 'ransomware.1', note: 'VLAN 12 isolated' });
    expect(types).toContain('checklist.step_skipped');
    expect(timeline.verification.valid).toBe(true);
  });

  it('lists runbooks and shows one', async () => {
    const h = harness();
    const list = await json<{ data: { slug: string }[] }>(await h.request('GET', '/v1/runbooks', { as: 'viewer' }));
    expect(list.data).toHaveLength(9);
    const one = await json<{ sections: Record<string, string>; steps: unknown[] }>(await h.request('GET', '/v1/runbooks/lost-device', { as: 'viewer' }));
    expect(Object.keys(one.sections)).toContain('Recovering an interrupted run');
    expect((await h.request('GET', '/v1/runbooks/none', { as: 'viewer' })).status).toBe(404);
  });
});
