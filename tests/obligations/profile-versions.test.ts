// Profile versions, pins, supplied holiday schedules and the counts of possible obligations, over HTTP on both databases.
import { expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

interface Ob {
  key: string;
  applicability: string;
  status: string;
  due_at: string | null;
  legal_latest_local: string | null;
  calendar_incomplete: boolean;
  stages: { key: string; due_local: string | null; legal_latest_local: string | null; calendar_incomplete: boolean }[];
}
interface Evaluation {
  counts: Record<string, number>;
  profile_version: { version: number | null; pinned: boolean; detail: string };
  obligations: Ob[];
}

const clock = fixedClock(new Date('2026-11-20T12:00:00Z'));

const cnIncident = (over: Record<string, unknown> = {}) => ({
  title: 'Order history exported by a compromised admin account',
  nature: 'unauthorized_access',
  severity: 'critical',
  discovered_at: '2026-11-18T08:00:00Z',
  aware_at: '2026-11-18T10:00:00Z',
  data_categories: ['contact', 'purchase_payment'],
  regions: ['CN'],
  estimated_affected: { total: 1_200_000, by_region: { CN: 1_200_000 } },
  encrypted: false,
  ...over,
});

describeEachDatabase(
  'organisation profile versions and holiday schedules',
  (harness) => {
    const open = async (body: Record<string, unknown>) => {
      const res = await harness().request('POST', '/v1/incidents', { as: 'responder', json: body });
      expect(res.status).toBe(201);
      return json<{ id: string; version: number }>(res);
    };
    const obligations = async (id: string, query = '') => {
      const res = await harness().request('GET', `/v1/incidents/${id}/obligations${query}`, { as: 'viewer' });
      expect(res.status).toBe(200);
      return json<Evaluation>(res);
    };
    const view = (e: Evaluation) => e.obligations.map((o) => `${o.key} ${o.applicability} ${o.status} ${o.due_at}`);
    const find = (e: Evaluation, key: string) => e.obligations.find((o) => o.key === key)!;

    it('judges a closed incident with the profile in force at its aware_at, whatever changes later, unless a responder pins another', async () => {
      const h = harness();
      clock.set(new Date('2026-11-19T00:00:00Z'));
      expect((await h.request('PUT', '/v1/organisation', { as: 'admin', json: { name: 'Example Devices Ltd', cii_operator: false } })).status).toBe(200);
      clock.set(new Date('2026-11-20T12:00:00Z'));
      const { id, version } = await open(cnIncident());
      const closed = await h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: { status: 'closed' }, headers: { 'if-match': `"${version}"` } });
      expect(closed.status).toBe(200);
      const before = await obligations(id);
      expect(before.profile_version).toMatchObject({ version: 1, pinned: false });
      expect(find(before, 'cn-cac-reporting-other-operators').applicability).toBe('applies');
      expect(find(before, 'cn-cac-reporting-cii').applicability).toBe('not_applicable');

      // The company is designated a CII operator on 25 November: a new version, in force from then.
      clock.set(new Date('2026-11-25T09:00:00Z'));
      const put = await h.request('PUT', '/v1/organisation', { as: 'admin', json: { name: 'Example Devices Ltd', cii_operator: true } });
      expect(put.status).toBe(200);
      expect(await json(put)).toMatchObject({ version: 2, cii_operator: true });
      const versions = await json<{ data: { version: number; effective_from: string | null }[] }>(await h.request('GET', '/v1/organisation/versions', { as: 'responder' }));
      expect(versions.data.map((v) => [v.version, v.effective_from])).toEqual([
        [2, '2026-11-25T09:00:00.000Z'],
        [1, null],
      ]);

      clock.set(new Date('2026-11-20T12:00:00Z'));
      const after = await obligations(id);
      expect(view(after)).toEqual(view(before));
      expect(after.profile_version.version).toBe(1);

      // An incident the company became aware of after the change is judged with version 2.
      clock.set(new Date('2026-11-26T12:00:00Z'));
      const later = await open(cnIncident({ discovered_at: '2026-11-26T08:00:00Z', aware_at: '2026-11-26T09:00:00Z' }));
      const laterEval = await obligations(later.id);
      expect(laterEval.profile_version.version).toBe(2);
      expect(find(laterEval, 'cn-cac-reporting-cii').applicability).toBe('applies');

      // A responder re-pins the closed incident to version 2 (the designation applied earlier than recorded): on the timeline.
      const pin = await h.request('PUT', `/v1/incidents/${id}/organisation-profile`, { as: 'responder', json: { version: 2, note: 'Designation letter dated 1 November.' } });
      expect(pin.status).toBe(200);
      const pinned = await json<Evaluation>(pin);
      expect(pinned.profile_version).toMatchObject({ version: 2, pinned: true });
      expect(find(pinned, 'cn-cac-reporting-cii').applicability).toBe('applies');
      const unknownVersion = await h.request('PUT', `/v1/incidents/${id}/organisation-profile`, { as: 'responder', json: { version: 99, note: 'typo' } });
      expect(unknownVersion.status).toBe(422);
      expect((await json<{ errors: { field: string }[] }>(unknownVersion)).errors[0]!.field).toBe('version');
      const noNote = await h.request('PUT', `/v1/incidents/${id}/organisation-profile`, { as: 'responder', json: { version: 2, note: '' } });
      expect(noNote.status).toBe(400);
      expect((await h.request('PUT', `/v1/incidents/${id}/organisation-profile`, { as: 'viewer', json: { version: 2, note: 'x' } })).status).toBe(403);
      const unpin = await json<Evaluation>(await h.request('PUT', `/v1/incidents/${id}/organisation-profile`, { as: 'responder', json: { version: null, note: 'Back to the record.' } }));
      expect(unpin.profile_version).toMatchObject({ version: 1, pinned: false });
      const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`, { as: 'viewer' }));
      expect(timeline.events.filter((e) => e.type.startsWith('obligation.profile_')).map((e) => [e.type, e.data.from_version, e.data.to_version])).toEqual([
        ['obligation.profile_pinned', 1, 2],
        ['obligation.profile_unpinned', 2, 1],
      ]);
      clock.set(new Date('2026-11-20T12:00:00Z'));
    });

    it('counts possible obligations apart and filters by applicability', async () => {
      const { id } = await open(cnIncident({ regions: ['TW', 'JP'], estimated_affected: { total: 50, by_region: { TW: 30, JP: 20 } } }));
      const e = await obligations(id);
      const possible = e.obligations.filter((o) => o.applicability === 'possible');
      expect(possible.length).toBeGreaterThan(0);
      expect(e.counts.possible).toBe(possible.length);
      const byStatus = Object.entries(e.counts).filter(([k]) => k !== 'possible' && k !== 'calendar_incomplete').reduce((a, [, n]) => a + n, 0);
      expect(byStatus + e.counts.possible!).toBe(e.obligations.length);
      // An overdue "possible" obligation is not counted as overdue.
      const overdueApplying = e.obligations.filter((o) => o.applicability !== 'possible' && o.status === 'overdue').length;
      expect(e.counts.overdue ?? 0).toBe(overdueApplying);
      const only = await obligations(id, '?applicability=possible');
      expect(only.obligations.map((o) => o.key).sort()).toEqual(possible.map((o) => o.key).sort());
      const both = await obligations(id, '?applicability=applies,possible&status=upcoming,due_soon,overdue');
      expect(both.obligations.every((o) => o.applicability !== 'not_applicable' && ['upcoming', 'due_soon', 'overdue'].includes(o.status))).toBe(true);
      const bad = await harness().request('GET', `/v1/incidents/${id}/obligations?applicability=maybe`, { as: 'viewer' });
      expect(bad.status).toBe(400);
      expect((await json<{ errors: { field: string }[] }>(bad)).errors[0]!.field).toMatch(/^query\.applicability/);
    });

    it('takes a holiday schedule for 2027 from the organisation and marks windows without one calendar_incomplete', async () => {
      const h = harness();
      clock.set(new Date('2027-03-01T00:00:00Z'));
      const { id } = await open(cnIncident({ discovered_at: '2027-01-04T01:00:00Z', aware_at: '2027-01-04T02:00:00Z', disposal_ended_at: '2027-01-21T02:00:00Z' }));
      const without = await obligations(id);
      // Which CAC rule applies depends on the profile version in force (another test may have made the company a CII operator).
      const cacKey = ['cn-cac-reporting-other-operators', 'cn-cac-reporting-cii'].find((k) => find(without, k).applicability === 'applies')!;
      const cac = find(without, cacKey);
      expect(cac.calendar_incomplete).toBe(true);
      expect(without.counts.calendar_incomplete).toBeGreaterThanOrEqual(1);
      expect(cac.stages.find((s) => s.key === 'summary')!.legal_latest_local).toBe('2027-02-22T23:59:59+08:00');

      const schedule = {
        source: 'State Council General Office notice on the 2027 holidays (as transcribed by the privacy office)',
        holidays: [{ from: '2027-02-06', to: '2027-02-14', name: 'Spring Festival (春节)' }],
        makeup_workdays: [{ date: '2027-02-20', for: 'Spring Festival (春节)' }],
      };
      expect((await h.request('PUT', '/v1/organisation/holiday-schedules/CN/2027', { as: 'responder', json: schedule })).status).toBe(403);
      const put = await h.request('PUT', '/v1/organisation/holiday-schedules/CN/2027', { as: 'admin', json: schedule });
      expect(put.status).toBe(200);
      const listed = await json<{ data: { jurisdiction: string; year: number }[] }>(await h.request('GET', '/v1/organisation/holiday-schedules', { as: 'responder' }));
      expect(listed.data.map((s) => `${s.jurisdiction}/${s.year}`)).toEqual(['CN/2027']);
      const withFile = find(await obligations(id), cacKey);
      expect(withFile.calendar_incomplete).toBe(false);
      expect(withFile.stages.find((s) => s.key === 'summary')!.legal_latest_local).toBe('2027-02-20T23:59:59+08:00');

      const problems = async (path: string, body: unknown, status: number) => {
        const res = await h.request('PUT', path, { as: 'admin', json: body });
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
        return (await json<{ errors: { field: string }[] }>(res)).errors.map((e) => e.field);
      };
      expect(await problems('/v1/organisation/holiday-schedules/CN/2027', { ...schedule, makeup_workdays: [{ date: '2027-02-17', for: 'x' }] }, 422)).toEqual(['makeup_workdays.0.date']);
      expect(await problems('/v1/organisation/holiday-schedules/CN/2027', { ...schedule, holidays: [{ from: '2028-02-06', to: '2028-02-07', name: 'x' }] }, 422)).toContain('holidays.0.from');
      expect(await problems('/v1/organisation/holiday-schedules/CN/2026', schedule, 422)).toContain('path.year');
      expect(await problems('/v1/organisation/holiday-schedules/CN/2027', { ...schedule, source: '' }, 400)).toEqual(['source']);
      expect(await problems('/v1/organisation/holiday-schedules/XX/2027', schedule, 400)).toEqual(['path.jurisdiction']);

      expect((await h.request('DELETE', '/v1/organisation/holiday-schedules/CN/2027', { as: 'admin' })).status).toBe(204);
      expect((await h.request('DELETE', '/v1/organisation/holiday-schedules/CN/2027', { as: 'admin' })).status).toBe(404);
      expect(find(await obligations(id), cacKey).calendar_incomplete).toBe(true);
      clock.set(new Date('2026-11-20T12:00:00Z'));
    });
  },
  { clock },
);
