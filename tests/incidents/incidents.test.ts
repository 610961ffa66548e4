import { expect, it } from 'vitest';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

type IncidentJson = Record<string, unknown> & { id: string; version: number; status: string; allowed_transitions: string[] };

async function open(h: Harness, body: Record<string, unknown> = sampleIncident()): Promise<IncidentJson> {
  const res = await h.request('POST', '/v1/incidents', { as: 'responder', json: body });
  expect(res.status).toBe(201);
  return json<IncidentJson>(res);
}

async function patch(h: Harness, id: string, version: number, body: Record<string, unknown>) {
  return h.request('PATCH', `/v1/incidents/${id}`, { as: 'responder', json: body, headers: { 'if-match': `"${version}"` } });
}

describeEachDatabase('incidents', (harness) => {
  it('opens an incident and reads it back with its ETag', async () => {
    const h = harness();
    const created = await open(h);
    expect(created).toMatchObject({ status: 'detected', version: 1, regions: ['CN', 'DE', 'US-TX'], allowed_transitions: ['assessing', 'closed'] });
    const res = await h.request('GET', `/v1/incidents/${created.id}`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    const read = await json<IncidentJson>(res);
    expect(read.estimated_affected).toEqual({ total: 1200, by_region: { 'US-TX': 250, CN: 900 } });
    expect(read.measures).toEqual([{ description: 'Bucket made private', at: expect.any(String), state: 'taken' }]);
  });

  it('answers 404 as problem+json for an unknown incident', async () => {
    const res = await harness().request('GET', '/v1/incidents/inc_0000000000000000000000', { as: 'viewer' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(res)).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('refuses facts that cannot be true, naming the field', async () => {
    const h = harness();
    const cases: [Record<string, unknown>, string][] = [
      [{ occurred_from: hoursAgo(10), occurred_to: hoursAgo(20) }, 'occurred_to'],
      [{ occurred_from: hoursAgo(10), discovered_at: hoursAgo(20) }, 'discovered_at'],
      [{ discovered_at: hoursAgo(10), aware_at: hoursAgo(12) }, 'aware_at'],
      [{ occurred_from: hoursAgo(10), contained_at: hoursAgo(40) }, 'contained_at'],
      [{ aware_at: new Date(Date.now() + 86_400_000).toISOString() }, 'aware_at'],
      [{ measures: [{ description: 'x', at: new Date(Date.now() + 86_400_000).toISOString(), state: 'taken' }] }, 'measures.0.at'],
      [{ estimated_affected: { total: 10, by_region: { CN: 11 } } }, 'estimated_affected.total'],
      [{ estimated_affected: { by_region: { FR: 1 } } }, 'estimated_affected.by_region.FR'],
    ];
    for (const [change, field] of cases) {
      const res = await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), ...change } });
      expect(res.status, field).toBe(422);
      const body = await json<{ code: string; errors: { field: string }[] }>(res);
      expect(body.code).toBe('invalid_facts');
      expect(body.errors.map((e) => e.field)).toContain(field);
    }
    const closedAtWhileOpen = await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), closed_at: hoursAgo(1) } });
    expect(closedAtWhileOpen.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(closedAtWhileOpen)).errors[0]!.field).toBe('closed_at');
  });

  it('validates fields: enums, region codes, unknown fields', async () => {
    const h = harness();
    const res = await h.request('POST', '/v1/incidents', {
      as: 'responder',
      json: { ...sampleIncident(), severity: 'apocalyptic', regions: ['CN', 'XX-99'], data_categories: ['contact', 'dna'], extra: true },
    });
    expect(res.status).toBe(400);
    const fields = (await json<{ errors: { field: string }[] }>(res)).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['severity', 'regions.1', 'data_categories.1', 'extra']));
  });

  it('needs If-Match on PATCH and refuses a stale version with 412', async () => {
    const h = harness();
    const created = await open(h);
    const missing = await h.request('PATCH', `/v1/incidents/${created.id}`, { as: 'responder', json: { severity: 'critical' } });
    expect(missing.status).toBe(428);
    const first = await patch(h, created.id, 1, { severity: 'critical' });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    const stale = await patch(h, created.id, 1, { title: 'Overwritten' });
    expect(stale.status).toBe(412);
    expect(await json(stale)).toMatchObject({ code: 'precondition_failed', currentVersion: 2 });
    const read = await json<IncidentJson>(await h.request('GET', `/v1/incidents/${created.id}`));
    expect(read.title).toBe(sampleIncident().title);
    expect(read.severity).toBe('critical');
  });

  it('moves along the lifecycle and refuses an invalid transition with the allowed ones', async () => {
    const h = harness();
    const created = await open(h);
    const bad = await patch(h, created.id, 1, { status: 'monitoring' });
    expect(bad.status).toBe(409);
    expect(await json(bad)).toMatchObject({ code: 'invalid_transition', from: 'detected', to: 'monitoring', allowed: ['assessing', 'closed'] });
    let version = 1;
    for (const status of ['assessing', 'contained', 'notifying', 'monitoring', 'closed']) {
      const res = await patch(h, created.id, version, { status });
      expect(res.status, status).toBe(200);
      const body = await json<IncidentJson>(res);
      version = body.version;
      expect(body.status).toBe(status);
    }
    const closed = await json<IncidentJson>(await h.request('GET', `/v1/incidents/${created.id}`));
    expect(closed.closed_at).toEqual(expect.any(String));
    expect(closed.allowed_transitions).toEqual(['reopened']);
    const reopened = await json<IncidentJson>(await patch(h, created.id, version, { status: 'reopened' }));
    expect(reopened.status).toBe('reopened');
    expect(reopened.closed_at).toBeNull();
  });

  it('replays an idempotent create and refuses the key with another body', async () => {
    const h = harness();
    const body = sampleIncident();
    const headers = { 'idempotency-key': `key-${crypto.randomUUID()}` };
    const first = await h.request('POST', '/v1/incidents', { as: 'responder', json: body, headers });
    const second = await h.request('POST', '/v1/incidents', { as: 'responder', json: body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<IncidentJson>(second)).id).toBe((await json<IncidentJson>(first)).id);
    const other = await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...body, title: 'Something else' }, headers });
    expect(other.status).toBe(422);
    expect(await json(other)).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('lists with filters and cursor pagination', async () => {
    const h = harness();
    const tag = crypto.randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const inc = await open(h, { ...sampleIncident(), title: `${tag} ${i}`, drill: true, severity: i % 2 ? 'low' : 'critical' });
      ids.push(inc.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/incidents?drill=true&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { data: IncidentJson[]; next_cursor: string | null } = await json(await h.request('GET', q, { as: 'viewer' }));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((d) => d.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    const critical = await json<{ data: IncidentJson[] }>(await h.request('GET', '/v1/incidents?drill=true&severity=critical&limit=200'));
    expect(critical.data.every((d) => d.severity === 'critical')).toBe(true);
    expect(critical.data.filter((d) => ids.includes(d.id))).toHaveLength(3);
    const badCursor = await h.request('GET', '/v1/incidents?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(badCursor)).errors[0]!.field).toBe('query.cursor');
    const badStatus = await h.request('GET', '/v1/incidents?status=detected,nonsense');
    expect(badStatus.status).toBe(400);
  });
});

describeEachDatabase('incident timeline', (harness) => {
  it('records every change in a verifiable chain', async () => {
    const h = harness();
    const created = await open(h);
    await patch(h, created.id, 1, { severity: 'critical', regions: ['CN', 'DE', 'US-TX', 'US-CA'] });
    await patch(h, created.id, 2, { status: 'assessing' });
    const res = await h.request('GET', `/v1/incidents/${created.id}/timeline`, { as: 'viewer' });
    expect(res.status).toBe(200);
    const timeline = await json<{ events: { seq: number; type: string; data: Record<string, unknown>; actor: string }[]; verification: { valid: boolean; events_checked: number } }>(res);
    // Opening also attaches the runbooks for the incident's nature; those events come between.
    const ours = timeline.events.filter((e) => e.type.startsWith('incident.'));
    expect(ours.map((e) => e.type)).toEqual(['incident.opened', 'incident.updated', 'incident.updated', 'incident.status_changed']);
    expect(timeline.events.filter((e) => e.type === 'runbook.attached').length).toBeGreaterThan(0);
    expect(ours[1]!.data.changes).toMatchObject({ severity: { from: 'high', to: 'critical' } });
    expect(ours[0]!.actor).toContain('test responder');
    expect(timeline.verification).toMatchObject({ valid: true, events_checked: timeline.events.length });
  });

  it('answers the create with exactly what is stored, its runbooks already on the timeline', async () => {
    const h = harness();
    const res = await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), nature: 'ransomware' } });
    expect(res.status).toBe(201);
    const created = await json<Record<string, unknown> & { id: string; timeline: { events: number; head_hash: string } }>(res);
    const { overdue_steps: _steps, ...stored } = await json<Record<string, unknown>>(await h.request('GET', `/v1/incidents/${created.id}`, { as: 'viewer' }));
    expect(created).toEqual(stored);
    const timeline = await json<{ events: { type: string; hash: string }[] }>(await h.request('GET', `/v1/incidents/${created.id}/timeline`, { as: 'viewer' }));
    expect(created.timeline).toEqual({ events: timeline.events.length, head_hash: timeline.events.at(-1)!.hash });
    expect(timeline.events.filter((e) => e.type === 'runbook.attached').length).toBeGreaterThan(0);
  });

  it('refuses edits to stored events, and reports an event altered behind the trigger', async () => {
    const h = harness();
    const created = await open(h);
    await patch(h, created.id, 1, { severity: 'low' });
    const sql = h.db.sql;
    await expect(sql`update timeline_events set actor = 'someone else' where incident_id = ${created.id} and seq = 1`).rejects.toThrow(/append-only/);
    // A database owner can switch the trigger off; the chain still tells.
    await sql.begin(async (tx) => {
      await tx`alter table timeline_events disable trigger timeline_events_append_only`;
      await tx`update timeline_events set data = jsonb_set(data, '{changes,severity,to}', '"medium"') where incident_id = ${created.id} and type = 'incident.updated'`;
      await tx`alter table timeline_events enable trigger timeline_events_append_only`;
    });
    const timeline = await json<{ verification: { valid: boolean; problems: { seq: number; reason: string }[] } }>(
      await h.request('GET', `/v1/incidents/${created.id}/timeline`),
    );
    expect(timeline.verification.valid).toBe(false);
    const [updated] = await sql<{ seq: number }[]>`select seq from timeline_events where incident_id = ${created.id} and type = 'incident.updated'`;
    expect(timeline.verification.problems).toContainEqual(expect.objectContaining({ seq: updated!.seq, reason: 'hash_mismatch' }));
  });

  it('reports a deleted last event', async () => {
    const h = harness();
    const created = await open(h);
    await patch(h, created.id, 1, { severity: 'low' });
    await h.db.sql.begin(async (tx) => {
      await tx`alter table timeline_events disable trigger timeline_events_append_only`;
      await tx`delete from timeline_events where incident_id = ${created.id} and seq = (select max(seq) from timeline_events where incident_id = ${created.id})`;
      await tx`alter table timeline_events enable trigger timeline_events_append_only`;
    });
    const timeline = await json<{ verification: { valid: boolean; problems: { reason: string }[] } }>(await h.request('GET', `/v1/incidents/${created.id}/timeline`));
    expect(timeline.verification.valid).toBe(false);
    expect(timeline.verification.problems.map((p) => p.reason)).toContain('head_mismatch');
  });
});
