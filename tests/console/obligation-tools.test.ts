// The deadlines page's tools: what-if, report drafts and determinations, through the same services and roles as their API routes.
import { expect, it } from 'vitest';
import { describeEachDatabase, json } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { ConsoleClient, textOf } from './client.js';

interface Change {
  key: string;
  from: { status: string; due_at: string | null } | null;
  to: { status: string; due_at: string | null } | null;
}

/** A draft without the moment it was written (each draft says when it was prepared) and with its whitespace folded. */
const sameDraft = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, (at) => (Math.abs(Date.parse(at) - Date.now()) < 60_000 ? '(now)' : at)).replace(/\s+/g, ' ').trim();

describeEachDatabase('console deadlines tools', (harness) => {
  it('shows what would change under changed facts, as POST …/obligations/what-if computes it, and the problem of a bad line in place', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const api = await json<{ changes: Change[] }>(await h.request('POST', `/v1/incidents/${id}/obligations/what-if`, { as: 'viewer', json: { facts: { encrypted: true }, add_affected: { 'US-CA': 600 } } }));
    expect(api.changes.length).toBeGreaterThan(0);
    const client = new ConsoleClient(h);
    await client.signIn(h.tokens.viewer);
    const deadlines = await (await client.get(`/console/incidents/${id}/deadlines`)).text();
    expect(deadlines).toContain(`href="/console/incidents/${id}/deadlines/tools"`);
    const tools = await (await client.get(`/console/incidents/${id}/deadlines/tools`)).text();
    expect(tools).toContain(`action="/console/incidents/${id}/deadlines/what-if#what-if-result"`);
    const res = await client.post(`/console/incidents/${id}/deadlines/what-if`, { encrypted: 'true', add_affected: 'US-CA 600\n', at: '' });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect([...page.matchAll(/data-change="([^"]+)"/g)].map((m) => m[1])).toEqual(api.changes.map((c) => c.key));
    const first = api.changes[0]!;
    const row = page.slice(page.indexOf(`data-change="${first.key}"`)).split('</tr>')[0]!;
    if (first.to?.due_at) expect(row).toContain(`datetime="${new Date(first.to.due_at).toISOString()}"`);
    // Saved nowhere: the stored obligations are as before.
    const stored = await json<{ obligations: { key: string; status: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`));
    const before = await json<{ obligations: { key: string; status: string }[] }>(await h.request('POST', `/v1/incidents/${id}/obligations/what-if`, { json: {} }));
    expect(stored.obligations.map((o) => [o.key, o.status])).toEqual(before.obligations.map((o) => [o.key, o.status]));

    const bad = await client.post(`/console/incidents/${id}/deadlines/what-if`, { encrypted: '', add_affected: 'US-CA 600\nsix hundred in Texas', at: '' });
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toMatch(/id="f-add_affected"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-add_affected"/);
    expect(textOf(badPage)).toContain('Lines 2 are not a region and a number.');
    const badAt = await client.post(`/console/incidents/${id}/deadlines/what-if`, { encrypted: '', add_affected: '', at: 'yesterday' });
    expect(badAt.status).toBe(400);
    expect(await badAt.text()).toContain('id="f-at-problem"');
  });

  it('shows the report draft GET …/obligations/{rule_id}/draft writes, in English and Chinese', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const client = new ConsoleClient(h);
    await client.signIn(h.tokens.viewer);
    const tools = await (await client.get(`/console/incidents/${id}/deadlines/tools`)).text();
    const choice = /<option value="(eu-gdpr-33\|[^"]*)"/.exec(tools)![1]!;
    const [rule, target, stage] = choice.split('|');
    for (const locale of ['en', 'zh-CN']) {
      const api = await (await h.request('GET', `/v1/incidents/${id}/obligations/${rule}/draft?locale=${locale}&stage=${stage}${target ? `&target=${target}` : ''}`)).text();
      const res = await client.get(`/console/incidents/${id}/deadlines/draft?obligation=${encodeURIComponent(choice)}&locale=${locale}`);
      expect(res.status).toBe(200);
      const page = await res.text();
      const shown = /<pre[^>]*data-draft[^>]*>([\s\S]*?)<\/pre>/.exec(page)![1]!;
      expect(sameDraft(textOf(shown))).toBe(sameDraft(api));
      expect(page).toContain(`lang="${locale}"`);
    }
    const wrong = await client.get(`/console/incidents/${id}/deadlines/draft?obligation=${encodeURIComponent(choice)}&locale=fr`);
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('id="f-locale-problem"');
    expect((await client.get(`/console/incidents/${id}/deadlines/draft?obligation=no-such-rule||&locale=en`)).status).toBe(404);
  });

  it('records a determination through the same service as PUT …/determination, with the API\'s roles, a note and CSRF required', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const ruleId = (await json<{ obligations: { rule_id: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`))).obligations[0]!.rule_id;

    const approver = new ConsoleClient(h);
    await approver.signIn(h.tokens.approver);
    const tools = await (await approver.get(`/console/incidents/${id}/deadlines/tools`)).text();
    expect(tools).toContain(`action="/console/incidents/${id}/deadlines/determinations"`);
    expect(textOf(tools)).toContain('No determination has been recorded.');
    const noNote = await approver.post(`/console/incidents/${id}/deadlines/determinations`, { rule_id: ruleId, applies: 'false', note: ' ' });
    expect(noNote.status).toBe(400);
    expect(await noNote.text()).toContain('id="f-note-problem"');
    expect((await approver.request('POST', `/console/incidents/${id}/deadlines/determinations`, { rule_id: ruleId, applies: 'false', note: 'No forged form.' })).status).toBe(403);
    await approver.get(`/console/incidents/${id}/deadlines/tools`);
    const unknown = await approver.post(`/console/incidents/${id}/deadlines/determinations`, { rule_id: 'no-such-rule', applies: 'false', note: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('id="f-rule_id-problem"');
    const ok = await approver.post(`/console/incidents/${id}/deadlines/determinations`, { rule_id: ruleId, applies: 'false', note: 'Only staff accounts, none in scope.' });
    expect(ok.status).toBe(303);
    const after = await json<{ obligations: { rule_id: string; applicability: string; not_applicable_reason: string | null }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`));
    expect(after.obligations.filter((o) => o.rule_id === ruleId).every((o) => o.applicability === 'not_applicable' && o.not_applicable_reason!.includes('Only staff accounts'))).toBe(true);
    const timeline = await json<{ events: { type: string; actor: string }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    expect(timeline.events.find((e) => e.type === 'obligation.determined')?.actor).toContain('approver');
    const shown = await (await approver.get(ok.headers.get('location')!)).text();
    expect(textOf(shown)).toContain('The determination is recorded.');
    const row = shown.slice(shown.indexOf(`data-determination="${ruleId}"`)).split('</tr>')[0]!;
    expect(textOf(row)).toContain('Only staff accounts, none in scope.');

    // A viewer may run what-if and read drafts (as the API lets it) but not determine: no form, and the write refused anyway.
    const viewer = new ConsoleClient(h);
    await viewer.signIn(h.tokens.viewer);
    const viewed = await (await viewer.get(`/console/incidents/${id}/deadlines/tools`)).text();
    expect(viewed).not.toContain('/deadlines/determinations"');
    expect(viewed).toContain('/deadlines/what-if');
    expect((await h.request('PUT', `/v1/incidents/${id}/obligations/${ruleId}/determination`, { as: 'viewer', json: { applies: true, note: 'x' } })).status).toBe(403);
    expect((await viewer.post(`/console/incidents/${id}/deadlines/determinations`, { rule_id: ruleId, applies: 'true', note: 'by a viewer' })).status).toBe(403);
    expect((await json<{ obligations: { rule_id: string; applicability: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`))).obligations.find((o) => o.rule_id === ruleId)?.applicability).toBe('not_applicable');
  });
});
