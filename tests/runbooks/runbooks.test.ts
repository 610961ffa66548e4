import { expect, it } from 'vitest';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

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
    expect(list.data.find((s) => s.step_id === 'notification-process.7')).toMatchObject({ due_at: null, waiting_on: 'individuals_notified_at', overdue: false });

    const done = await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.1`, { as: 'responder', json: { action: 'complete', note: 'VLAN 12 isolated' } });
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({ state: 'done', changed_by: 'test responder', overdue: false });
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.1`, { as: 'responder', json: { action: 'complete' } })).status).toBe(409);
    expect((await h.request('POST', `/v1/incidents/${id}/checklist/ransomware.2`, { as: 'responder', json: { action: 'skip' } })).status).toBe(422);
    // Step 4 is legal's, an approver function: a responder may not settle it, an approver may.
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
