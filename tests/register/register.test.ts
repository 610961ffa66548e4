// The breach register over HTTP: a seeded set of incidents (notified, not notified by decision, undecided, drill),
// read back as CSV through a CSV parser and as JSON, with its filters, on both databases.
import { parse } from 'csv-parse/sync';
import { beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

const clock = fixedClock(new Date('2026-11-20T12:00:00Z'));

const base = {
  nature: 'unauthorized_access',
  severity: 'high',
  systems: ['support-tool'],
  data_categories: ['contact', 'account'],
  encrypted: false,
  measures: [{ description: 'Support session tokens revoked', at: '2026-11-18T09:00:00Z', state: 'taken' }],
};

type Row = Record<string, string>;

describeEachDatabase(
  'the breach register',
  (harness) => {
    const ids: Record<string, string> = {};
    const open = async (name: string, body: Record<string, unknown>) => {
      const res = await harness().request('POST', '/v1/incidents', { as: 'responder', json: { ...base, ...body } });
      expect(res.status).toBe(201);
      ids[name] = (await json<{ id: string }>(res)).id;
    };

    beforeAll(async () => {
      // Notified: German customers, reported to the BfDI in time.
      await open('notified', { title: 'Support exports read by an outsider', discovered_at: '2026-11-18T08:00:00Z', aware_at: '2026-11-18T10:00:00Z', regions: ['DE'], estimated_affected: { total: 40, by_region: { DE: 40 } } });
      const filed = await harness().request('POST', `/v1/incidents/${ids.notified}/obligations/eu-gdpr-33/filings`, {
        as: 'responder',
        json: { target: 'DE', filed_at: '2026-11-19T09:00:00Z', reference: 'BfDI-2026-0042' },
      });
      expect(filed.status).toBe(201);
      // Not notified: a Chinese leak the team decided, with reasons, needs no PIPL notice.
      await open('not_notified', {
        title: 'Backup copy briefly reachable',
        nature: 'accidental_disclosure',
        discovered_at: '2026-11-15T08:00:00Z',
        aware_at: '2026-11-15T09:00:00Z',
        regions: ['CN'],
        estimated_affected: { total: 300, by_region: { CN: 300 } },
      });
      const decided = await harness().request('PUT', `/v1/incidents/${ids.not_notified}/obligations/cn-pipl-57/determination`, {
        as: 'responder',
        json: { applies: false, note: 'The copy was recovered unopened: access logs show no read.' },
      });
      expect(decided.status).toBe(200);
      // Undecided: Taiwan, where a rule only possibly applies until the business type is known.
      await open('undecided', { title: 'Taiwan shop orders exposed', discovered_at: '2026-11-10T08:00:00Z', aware_at: '2026-11-10T09:00:00Z', regions: ['TW'], estimated_affected: { total: 12, by_region: { TW: 12 } } });
      // A drill: never in the register unless asked for.
      await open('drill', { title: 'Tabletop exercise', drill: true, discovered_at: '2026-11-12T08:00:00Z', aware_at: '2026-11-12T09:00:00Z', regions: ['DE'] });
    });

    const csv = async (query = '') => {
      const res = await harness().request('GET', `/v1/register${query}`, { as: 'viewer', headers: { accept: 'text/csv' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      return parse(await res.text(), { columns: true }) as Row[];
    };
    const byId = (rows: Row[]) => new Map(rows.map((r) => [r.incident_id!, r]));

    it('lists every real incident as one CSV row with facts, counts, measures and each decision', async () => {
      const rows = byId(await csv());
      expect([...rows.keys()].sort()).toEqual([ids.notified, ids.not_notified, ids.undecided].sort());

      const notified = rows.get(ids.notified!)!;
      expect(notified).toMatchObject({ title: 'Support exports read by an outsider', drill: 'false', nature: 'unauthorized_access', data_categories: 'contact; account', affected_by_jurisdiction: 'DE=40' });
      expect(notified.measures).toBe('2026-11-18T09:00:00.000Z taken: Support session tokens revoked');
      expect(notified.notified).toContain('eu-gdpr-33:DE: initial filed 2026-11-19T09:00:00.000Z ref BfDI-2026-0042 on time');
      // Not-applicable rules are listed with the engine's reason where they reach the incident's places, not elsewhere.
    expect(notified.not_applicable).toContain('eu-digital-omnibus-proposal: a proposal, not law');
    expect(notified.not_applicable).not.toContain('cn-pipl-57');

      const notNotified = rows.get(ids.not_notified!)!;
      expect(notNotified.not_notified_by_decision).toBe('cn-pipl-57: determined not to apply by test responder on 2026-11-20T12:00:00.000Z: The copy was recovered unopened: access logs show no read.');
      expect(notNotified.notified).toBe('');

      const undecided = rows.get(ids.undecided!)!;
      expect(undecided.decisions_missing!.split('; ')).toContain('tw-moda-digital-economy-72h');
    });

    it('keeps the decision not to notify on the incident\'s timeline', async () => {
      const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[] }>(await harness().request('GET', `/v1/incidents/${ids.not_notified}/timeline`, { as: 'viewer' }));
      expect(timeline.events.find((e) => e.type === 'obligation.determined')?.data).toMatchObject({ rule_id: 'cn-pipl-57', applies: false, note: 'The copy was recovered unopened: access logs show no read.' });
    });

    it('includes drills when asked, and filters by period and jurisdiction', async () => {
      expect(byId(await csv('?include_drills=true')).has(ids.drill!)).toBe(true);
      expect([...byId(await csv('?jurisdiction=DE')).keys()]).toEqual([ids.notified]);
      expect([...byId(await csv('?from=2026-11-14T00:00:00Z&to=2026-11-16T00:00:00Z')).keys()]).toEqual([ids.not_notified]);
      const bad = await harness().request('GET', '/v1/register?from=2026-11-16T00:00:00Z&to=2026-11-14T00:00:00Z', { as: 'viewer' });
      expect(bad.status).toBe(400);
      expect((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field)).toEqual(['query.to']);
      expect((await harness().request('GET', '/v1/register?jurisdiction=ZZ', { as: 'viewer' })).status).toBe(400);
    });

    it('answers JSON by default or with ?format=json, with every decision in full', async () => {
      const res = await harness().request('GET', '/v1/register?format=json', { as: 'viewer', headers: { accept: 'text/csv' } });
      expect(res.headers.get('content-type')).toMatch(/json/);
      const body = await json<{ filters: { include_drills: boolean }; data: { incident_id: string; decisions: { key: string; decision: string; filings: { reference: string | null; on_time: boolean }[]; determination: { by: string } | null }[] }[] }>(res);
      expect(body.filters.include_drills).toBe(false);
      const notified = body.data.find((e) => e.incident_id === ids.notified)!;
      expect(notified.decisions.find((d) => d.key === 'eu-gdpr-33:DE')).toMatchObject({ decision: 'filed', filings: [{ reference: 'BfDI-2026-0042', on_time: true }] });
      const notNotified = body.data.find((e) => e.incident_id === ids.not_notified)!;
      expect(notNotified.decisions.find((d) => d.key === 'cn-pipl-57')).toMatchObject({ decision: 'determined_not_to_apply', determination: { by: 'test responder' } });
      const csvByFormat = await harness().request('GET', '/v1/register?format=csv', { as: 'viewer' });
      expect(csvByFormat.headers.get('content-type')).toMatch(/^text\/csv/);
    });
  },
  { clock },
);
