// The obligations over HTTP: computed from stored facts, what-if saved nowhere, filings, determinations,
// the organisation profile, report drafts and the chart, on both databases.
import { expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

interface Stage {
  key: string;
  status: string;
  due_at: string | null;
  filed_at: string | null;
}
interface Ob {
  key: string;
  rule_id: string;
  status: string;
  due_at: string | null;
  due_local: string | null;
  awaiting_anchor: string | null;
  not_applicable_reason: string | null;
  notifies: { name: string };
  stages: Stage[];
  trace: { kind: string; text: string }[];
}
interface Evaluation {
  counts_source: string;
  counts: Record<string, number>;
  individuals_notified: { at: string | null; source: string; detail: string };
  obligations: Ob[];
  changes?: { key: string; from: { status: string } | null; to: { status: string } | null }[];
}

const clock = fixedClock(new Date('2026-11-20T12:00:00Z'));

const body = () => ({
  title: 'Support tool credentials used from an unknown network',
  summary: 'An attacker used a support agent\'s session to export customer contact records.',
  nature: 'unauthorized_access',
  severity: 'high',
  occurred_from: '2026-11-17T22:00:00Z',
  discovered_at: '2026-11-18T08:00:00Z',
  systems: ['support-tool'],
  data_categories: ['contact', 'account'],
  regions: ['CN', 'DE', 'US-TX', 'US-CA'],
  estimated_affected: { total: 1200, by_region: { 'US-TX': 200, 'US-CA': 100, CN: 880, DE: 20 } },
  encrypted: false,
  measures: [{ description: 'Support session tokens revoked', at: '2026-11-18T09:00:00Z', state: 'taken' }],
  remedies: [{ description: 'Password reset for every affected account', url: 'https://example.com/reset' }],
});

describeEachDatabase(
  'obligations over HTTP',
  (harness) => {
    const find = (e: Evaluation, key: string) => {
      const o = e.obligations.find((x) => x.key === key);
      if (!o) throw new Error(`no obligation ${key} among ${e.obligations.map((x) => x.key).join(', ')}`);
      return o;
    };
    const open = async () => {
      const res = await harness().request('POST', '/v1/incidents', { as: 'responder', json: body() });
      expect(res.status).toBe(201);
      return json<{ id: string; version: number }>(res);
    };
    const obligations = async (id: string) => {
      const res = await harness().request('GET', `/v1/incidents/${id}/obligations`, { as: 'viewer' });
      expect(res.status).toBe(200);
      return json<Evaluation>(res);
    };
    const patch = async (id: string, version: number, changes: Record<string, unknown>) => {
      const res = await harness().request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: changes, headers: { 'if-match': `"${version}"` } });
      return res;
    };

    it('works from the incident estimate, waits for an unknown anchor, and follows a fact change at once', async () => {
      const { id, version } = await open();
      const before = await obligations(id);
      expect(before.counts_source).toBe('incident_estimate');
      const gdpr = find(before, 'eu-gdpr-33:DE');
      expect(gdpr.status).toBe('awaiting_anchor');
      expect(gdpr.awaiting_anchor).toBe('aware_at');
      expect(gdpr.due_at).toBeNull();
      // 200 Texans is under the 250 threshold; the reason is given.
      const tx = find(before, 'us-tx-521.053-ag');
      expect(tx.status).toBe('not_applicable');
      expect(tx.not_applicable_reason).toMatch(/250/);
      // Every obligation is counted once, by status (the not-applicable ones too) or as possible; calendar_incomplete cuts across them.
      expect(Object.entries(before.counts).filter(([k]) => k !== 'calendar_incomplete').reduce((a, [, n]) => a + n, 0)).toBe(before.obligations.length);

      const res = await patch(id, version, { aware_at: '2026-11-18T10:00:00Z', determined_at: '2026-11-19T09:00:00Z' });
      expect(res.status).toBe(200);
      const after = await obligations(id);
      const gdprAfter = find(after, 'eu-gdpr-33:DE');
      expect(gdprAfter.due_at).toBe('2026-11-21T10:00:00.000Z');
      expect(gdprAfter.due_local).toBe('2026-11-21T11:00:00+01:00');
      expect(gdprAfter.status).toBe('upcoming');
      expect(gdprAfter.trace.some((t) => t.kind === 'computation' && /72 hours/.test(t.text))).toBe(true);

      const only = await json<Evaluation>(await harness().request('GET', `/v1/incidents/${id}/obligations?status=overdue,due_soon`, { as: 'viewer' }));
      expect(only.obligations.every((o) => ['overdue', 'due_soon'].includes(o.status))).toBe(true);
      const bad = await harness().request('GET', `/v1/incidents/${id}/obligations?status=late`, { as: 'viewer' });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('query.status');
    });

    it('puts deadlines moved by a fact change on the timeline, with the change that moved them', async () => {
      const { id, version } = await open();
      expect((await patch(id, version, { title: 'Support tool session reused' })).status).toBe(200);
      expect((await patch(id, version + 1, { aware_at: '2026-11-18T10:00:00Z' })).status).toBe(200);
      const stale = await patch(id, version + 1, { severity: 'critical' });
      expect(stale.status).toBe(412);
      const timeline = await json<{ events: { type: string; data: { version?: number; changes: { key: string; from: { status: string } | null; to: { status: string; due_at: string | null } | null }[] } }[]; verification: { valid: boolean } }>(
        await harness().request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }),
      );
      const moved = timeline.events.filter((e) => e.type === 'obligations.changed');
      // The title changed no deadline; aware_at started the GDPR clock.
      expect(moved).toHaveLength(1);
      expect(moved[0]!.data.version).toBe(version + 2);
      expect(moved[0]!.data.changes).toContainEqual({ key: 'eu-gdpr-33:DE', rule_id: 'eu-gdpr-33', from: { status: 'awaiting_anchor', due_at: null }, to: { status: 'upcoming', due_at: '2026-11-21T10:00:00.000Z' } });
      expect(timeline.verification.valid).toBe(true);
    });

    it('refuses anchors that cannot be true, naming the field', async () => {
      const { id, version } = await open();
      const res = await patch(id, version, { determined_at: '2026-11-18T07:00:00Z', disposal_ended_at: '2026-11-17T00:00:00Z', assessment: { risk_of_harm: 'severe' } });
      expect(res.status).toBe(400);
      const fields = (await json<{ errors: { field: string }[] }>(res)).errors.map((e) => e.field);
      expect(fields).toContain('assessment.risk_of_harm');
      const res2 = await patch(id, version, { determined_at: '2026-11-18T07:00:00Z', disposal_ended_at: '2026-11-17T00:00:00Z' });
      expect(res2.status).toBe(422);
      const fields2 = (await json<{ errors: { field: string }[] }>(res2)).errors.map((e) => e.field);
      expect(fields2).toEqual(expect.arrayContaining(['determined_at', 'disposal_ended_at']));
    });

    it('answers what-if without saving anything, and lists what would change', async () => {
      const { id, version } = await open();
      await patch(id, version, { aware_at: '2026-11-18T10:00:00Z', determined_at: '2026-11-19T09:00:00Z' });
      const res = await harness().request('POST', `/v1/incidents/${id}/obligations/what-if`, { as: 'viewer', json: { add_affected: { 'US-TX': 12_000 } } });
      expect(res.status).toBe(200);
      const e = await json<Evaluation>(res);
      expect(find(e, 'us-tx-521.053-ag').status).not.toBe('not_applicable');
      expect(e.changes!.some((c) => c.key === 'us-tx-521.053-ag' && c.from?.status === 'not_applicable')).toBe(true);
      // Nothing was stored.
      expect(find(await obligations(id), 'us-tx-521.053-ag').status).toBe('not_applicable');
      const timeline = await json<{ events: { type: string }[] }>(await harness().request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }));
      expect(timeline.events.map((x) => x.type)).not.toContain('obligation.what_if');
      // Nothing reached the timeline or the incident: the same events and version as before the what-if.
      const incidentAfter = await json<{ version: number; timeline: { events: number } }>(await harness().request('GET', `/v1/incidents/${id}`, { as: 'viewer' }));
      expect(incidentAfter.version).toBe(version + 1);
      expect(incidentAfter.timeline.events).toBe(timeline.events.length);
      expect(timeline.events.at(-1)!.type).toBe('obligations.changed');

      const unknown = await harness().request('POST', `/v1/incidents/${id}/obligations/what-if`, { as: 'viewer', json: { enable_rules: ['xx-none'] } });
      expect(unknown.status).toBe(422);
      expect(JSON.stringify(await unknown.json())).toContain('enable_rules');
      const proposed = await json<Evaluation>(await harness().request('POST', `/v1/incidents/${id}/obligations/what-if`, { as: 'viewer', json: { enable_rules: ['eu-digital-omnibus-proposal'] } }));
      expect(find(proposed, 'eu-digital-omnibus-proposal:DE').status).not.toBe('not_applicable');
      expect(find(await obligations(id), 'eu-digital-omnibus-proposal').status).toBe('not_applicable');
      // Encrypted data with the key kept safe: the Texas duty falls away even with the extra people.
      const encrypted = await json<Evaluation>(
        await harness().request('POST', `/v1/incidents/${id}/obligations/what-if`, { as: 'viewer', json: { add_affected: { 'US-TX': 12_000 }, facts: { encrypted: true, encryption_key_exposed: false } } }),
      );
      expect(find(encrypted, 'us-tx-521.053-ag').status).toBe('not_applicable');
    });

    it('records filings, derives on time or late, and puts them on the timeline', async () => {
      const { id, version } = await open();
      await patch(id, version, { aware_at: '2026-11-18T10:00:00Z' });
      const late = await harness().request('POST', `/v1/incidents/${id}/obligations/eu-gdpr-33/filings`, {
        as: 'responder',
        json: { target: 'DE', filed_at: '2026-11-19T10:00:00Z', reference: 'BfDI-2026-0042', document: 'https://files.example/report.pdf' },
      });
      expect(late.status).toBe(201);
      const filed = await json<{ filing: { on_time: boolean; due_at: string; target: string }; obligations: Ob[] }>(late);
      expect(filed.filing).toMatchObject({ on_time: true, due_at: '2026-11-21T10:00:00.000Z', target: 'DE' });
      expect(find(await obligations(id), 'eu-gdpr-33:DE').status).toBe('met');

      const list = await json<{ data: { reference: string }[] }>(await harness().request('GET', `/v1/incidents/${id}/obligations/eu-gdpr-33/filings`, { as: 'viewer' }));
      expect(list.data.map((f) => f.reference)).toEqual(['BfDI-2026-0042']);
      const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[] }>(await harness().request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }));
      expect(timeline.events.find((x) => x.type === 'obligation.filed')?.data).toMatchObject({ rule_id: 'eu-gdpr-33', target: 'DE', on_time: true, reference: 'BfDI-2026-0042' });

      // A late filing with another authority: met_late.
      clock.set(new Date('2026-11-23T12:00:00Z'));
      try {
        const r = await harness().request('POST', `/v1/incidents/${id}/obligations/cn-cac-reporting-other-operators/filings`, { as: 'responder', json: { filed_at: '2026-11-23T11:00:00Z' } });
        expect(r.status).toBe(201);
        expect((await json<{ filing: { on_time: boolean } }>(r)).filing.on_time).toBe(false);
        expect(find(await obligations(id), 'cn-cac-reporting-other-operators').stages[0]!.status).toBe('met_late');
      } finally {
        clock.set(new Date('2026-11-20T12:00:00Z'));
      }
    });

    it('counts a Texas filing after due_at but within the day §311.014 allows as on time', async () => {
      const res = await harness().request('POST', '/v1/incidents', {
        as: 'responder',
        json: { ...body(), regions: ['US-TX'], data_categories: ['specific_identity'], estimated_affected: { total: 300, by_region: { 'US-TX': 300 } }, occurred_from: '2026-09-30T00:00:00Z', discovered_at: '2026-10-01T09:00:00Z', determined_at: '2026-10-01T15:00:00Z', measures: [] },
      });
      expect(res.status).toBe(201);
      const { id } = await json<{ id: string }>(res);
      const filed = await harness().request('POST', `/v1/incidents/${id}/obligations/us-tx-521.053-ag/filings`, { as: 'responder', json: { filed_at: '2026-11-02T16:00:00Z', reference: 'TX-AG-77' } });
      expect(filed.status).toBe(201);
      const out = await json<{ filing: { on_time: boolean; due_at: string }; obligations: (Ob & { legal_latest_at: string })[] }>(filed);
      expect(out.filing.due_at).toBe('2026-11-01T04:59:59.000Z');
      expect(out.filing.on_time).toBe(true);
      expect(out.obligations[0]!.status).toBe('met');
      expect(out.obligations[0]!.legal_latest_at).toBe('2026-11-03T05:59:59.000Z');
    });

    it('refuses bad filings with the field at fault, and unknown rules with 404', async () => {
      const { id } = await open();
      const post = (rule: string, j: unknown) => harness().request('POST', `/v1/incidents/${id}/obligations/${rule}/filings`, { as: 'responder', json: j });
      const stage = await post('eu-gdpr-33', { stage: 'final' });
      expect(stage.status).toBe(422);
      expect((await json<{ errors: { field: string }[] }>(stage)).errors[0]!.field).toBe('stage');
      const target = await post('eu-gdpr-33', { target: 'JP' });
      expect(target.status).toBe(422);
      expect((await json<{ errors: { field: string }[] }>(target)).errors[0]!.field).toBe('target');
      const future = await post('cn-pipl-57', { filed_at: '2026-12-24T00:00:00Z' });
      expect(future.status).toBe(422);
      expect((await json<{ errors: { field: string }[] }>(future)).errors[0]!.field).toBe('filed_at');
      expect((await post('xx-not-a-rule', {})).status).toBe(404);
      expect((await harness().request('POST', `/v1/incidents/${id}/obligations/cn-pipl-57/filings`, { as: 'viewer', json: {} })).status).toBe(403);
      const unknownField = await post('cn-pipl-57', { filed: 'yesterday' });
      expect(unknownField.status).toBe(400);
      expect(JSON.stringify(await unknownField.json())).toContain('filed');
    });

    it('lets the team settle a rule with a determination, on the timeline', async () => {
      const { id } = await open();
      const res = await harness().request('PUT', `/v1/incidents/${id}/obligations/cn-pipl-57/determination`, { as: 'responder', json: { applies: false, note: 'No harm possible: the export was recovered unopened.' } });
      expect(res.status).toBe(200);
      const o = find(await obligations(id), 'cn-pipl-57');
      expect(o.status).toBe('not_applicable');
      expect(o.not_applicable_reason).toMatch(/recovered unopened/);
      const noNote = await harness().request('PUT', `/v1/incidents/${id}/obligations/cn-pipl-57/determination`, { as: 'responder', json: { applies: true, note: '' } });
      expect(noNote.status).toBe(400);
      const timeline = await json<{ events: { type: string }[] }>(await harness().request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }));
      expect(timeline.events.filter((x) => x.type === 'obligation.determined')).toHaveLength(1);
    });

    it('reads the organisation profile: a critical-infrastructure operator owes the CAC within 1 hour', async () => {
      const h = harness();
      expect((await h.request('PUT', '/v1/organisation', { as: 'responder', json: {} })).status).toBe(403);
      const put = await h.request('PUT', '/v1/organisation', { as: 'admin', json: { name: 'Example Devices Ltd', cii_operator: true, on_call: [{ name: 'Duty lead', email: 'duty@example.com' }] } });
      expect(put.status).toBe(200);
      const bad = await h.request('PUT', '/v1/organisation', { as: 'admin', json: { on_call: [{ name: 'Nobody' }], reminder_thresholds: [0, 2] } });
      expect(bad.status).toBe(400);
      const fields = (await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['on_call.0.email', 'reminder_thresholds.0', 'reminder_thresholds.1']));
      try {
        const { id, version } = await open();
        await patch(id, version, { aware_at: '2026-11-18T10:00:00Z' });
        const e = await obligations(id);
        // One hour from discovery, against four hours for other operators.
        expect(find(e, 'cn-cac-reporting-cii').due_at).toBe('2026-11-18T09:00:00.000Z');
        expect(find(e, 'cn-cac-reporting-other-operators').status).toBe('not_applicable');
      } finally {
        await h.request('PUT', '/v1/organisation', { as: 'admin', json: {} });
      }
    });

    it('drafts a report in English and Chinese with the content the rule requires', async () => {
      const { id, version } = await open();
      await patch(id, version, { aware_at: '2026-11-18T10:00:00Z' });
      const en = await harness().request('GET', `/v1/incidents/${id}/obligations/eu-gdpr-33/draft?target=DE`, { as: 'viewer' });
      expect(en.status).toBe(200);
      expect(en.headers.get('content-type')).toMatch(/text\/markdown/);
      const text = await en.text();
      expect(text).toContain('Support tool credentials used from an unknown network');
      expect(text).toContain('2026-11-21T10:00:00.000Z');
      expect(text).toContain('Support session tokens revoked');
      expect(text).toMatch(/People affected in this jurisdiction \(DE\): 20/);
      // Every item the rule requires is listed.
      const rule = await json<Evaluation>(await harness().request('GET', `/v1/incidents/${id}/obligations`, { as: 'viewer' }));
      for (const item of (find(rule, 'eu-gdpr-33:DE') as unknown as { required_content: string[] }).required_content) expect(text).toContain(`- [ ] ${item}`);

      const zh = await (await harness().request('GET', `/v1/incidents/${id}/obligations/cn-pipl-57/draft?locale=zh-CN`, { as: 'viewer' })).text();
      expect(zh).toContain('草稿');
      expect(zh).toContain('对存有个人信息的系统的未经授权访问');
      expect(zh).toMatch(/本法域（CN）受影响人数：880/);

      const fr = await harness().request('GET', `/v1/incidents/${id}/obligations/cn-pipl-57/draft?locale=fr`, { as: 'viewer' });
      expect(fr.status).toBe(422);
      expect((await json<{ errors: { field: string }[] }>(fr)).errors[0]!.field).toBe('query.locale');
      const noTarget = await harness().request('GET', `/v1/incidents/${id}/obligations/eu-gdpr-33/draft?target=US`, { as: 'viewer' });
      expect(noTarget.status).toBe(422);
    });

    it('draws the obligations as an SVG chart', async () => {
      const { id, version } = await open();
      await patch(id, version, { aware_at: '2026-11-18T10:00:00Z' });
      await harness().request('POST', `/v1/incidents/${id}/obligations/eu-gdpr-33/filings`, { as: 'responder', json: { target: 'DE', filed_at: '2026-11-19T10:00:00Z' } });
      const res = await harness().request('GET', `/v1/incidents/${id}/obligations.svg`, { as: 'viewer' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      const svg = await res.text();
      const e = await obligations(id);
      const drawn = e.obligations.filter((o) => o.status !== 'not_applicable');
      // One group per applicable obligation, each named; a filing diamond; the line at now.
      expect(svg.match(/<g><title>/g)).toHaveLength(drawn.length);
      for (const o of drawn) expect(svg).toContain(o.rule_id);
      expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ l6 6/);
      expect(svg).toContain('>now</text>');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"/);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
    });
  },
  { clock },
);
