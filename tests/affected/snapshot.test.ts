import { hasIndividualChannel } from '../../src/delivery/reach.js';
import { expect, it } from 'vitest';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';

const now = Date.now();
const daysAgo = (d: number) => new Date(now - d * 86_400_000).toISOString();
const yearsAgoDate = (y: number, plusDays = 0) => {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - y);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString().slice(0, 10);
};

const user = (id: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  external_id: id,
  name: `Person ${id}`,
  email: `${id}@example.com`,
  phone: '+8613800138000',
  locale: 'zh-CN',
  country: 'CN',
  subdivision: 'CN-HB',
  account_status: 'active',
  data_categories: ['contact', 'shipping_address'],
  systems: ['orders-db', 'export-bucket'],
  created_at: daysAgo(400),
  updated_at: daysAgo(10),
  ...over,
});

/** A small directory where each user tests one rule; the id says which. */
const directory: DirectoryUser[] = [
  user('adult-cn'),
  user('adult-tx', { country: 'US', subdivision: 'US-TX', locale: 'en-US', phone: '+15125550100' }),
  user('adult-us-no-subdivision', { country: 'US', subdivision: null, locale: 'en-US' }),
  user('adult-de', { country: 'DE', subdivision: 'DE-BY', locale: 'de-DE', phone: null }),
  user('minor-with-guardian', { birth_date: yearsAgoDate(10), guardian_name: 'Guardian G', guardian_email: 'guardian@example.com', guardian_phone: null }),
  user('minor-no-guardian', { birth_date: yearsAgoDate(12), guardian_email: null, guardian_phone: null }),
  user('minor-flag-only', { minor: true, guardian_phone: '+8613900139000' }),
  user('just-turned-14', { birth_date: yearsAgoDate(14, -1) }),
  user('deleted-in-backup', { account_status: 'deleted', deleted_at: daysAgo(5) }),
  user('no-contact', { email: null, phone: null, postal_address: null }),
  user('letter-only', { email: null, phone: null, postal_address: { line1: '1 Road', city: 'Wuhan', country: 'CN' } }),
  user('other-category', { data_categories: ['device_usage'], systems: ['telemetry'] }),
  // A scope naming categories and systems takes only people with both: these each have one of the two.
  user('system-match-only', { data_categories: ['device_usage'], systems: ['export-bucket'] }),
  user('category-match-only', { data_categories: ['contact'], systems: ['orders-db'] }),
  user('created-after-window', { created_at: daysAgo(1) }),
  user('deleted-before-window', { account_status: 'deleted', deleted_at: daysAgo(40) }),
  user('forensics-listed', { data_categories: ['subscription'], systems: ['newsletter'] }),
  user('excluded', {}),
];

interface Snapshot {
  id: string;
  version: number;
  row_count: number;
  content_hash: string;
  summary: Record<string, unknown> & { total: number; by_jurisdiction: Record<string, number>; by_channel: Record<string, number> };
}
interface Person {
  external_id: string;
  jurisdiction: string;
  minor: boolean;
  guardian_missing: boolean;
  recipient: string;
  email: string | null;
  channels: string[];
  announcement_only: boolean;
  reasons: { data_categories: string[]; systems: string[]; include_list: boolean };
}

async function setUp(h: Harness): Promise<string> {
  await upsertUsers(h.db.sql, directory, null, new Date());
  const inc = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  return inc.id;
}

async function people(h: Harness, id: string): Promise<Map<string, Person>> {
  const out = new Map<string, Person>();
  let cursor: string | null = null;
  do {
    const page: { data: Person[]; next_cursor: string | null } = await json(
      await h.request('GET', `/v1/incidents/${id}/affected/users?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { as: 'responder' }),
    );
    for (const p of page.data) out.set(p.external_id, p);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

const scope = {
  // Nobody in the directory has `children`: a category no one matched is left out of the counts.
  data_categories: ['contact', 'children'],
  systems: ['export-bucket'],
  window: { from: daysAgo(30), to: daysAgo(2) },
  include_ids: ['forensics-listed'],
  exclude_ids: ['excluded'],
};

describeEachDatabase('affected snapshot', (harness) => {
  it('resolves a scope with a reason, jurisdiction, recipient and channels for each person', async () => {
    const h = harness();
    const id = await setUp(h);
    expect((await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: scope })).status).toBe(200);
    const res = await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    expect(res.status).toBe(201);
    const snap = await json<Snapshot>(res);
    const affected = await people(h, id);

    expect([...affected.keys()].sort()).toEqual(
      [
        'adult-cn', 'adult-tx', 'adult-us-no-subdivision', 'adult-de', 'minor-with-guardian', 'minor-no-guardian', 'minor-flag-only',
        'just-turned-14', 'deleted-in-backup', 'no-contact', 'letter-only', 'forensics-listed',
      ].sort(),
    );
    expect(affected.has('system-match-only')).toBe(false);
    expect(affected.has('category-match-only')).toBe(false);
    // Window edges: created after the window ends, or deleted before it starts → not affected.
    expect(affected.has('created-after-window')).toBe(false);
    expect(affected.has('deleted-before-window')).toBe(false);
    expect(affected.has('other-category')).toBe(false);
    expect(affected.has('excluded')).toBe(false);

    expect(affected.get('adult-tx')).toMatchObject({ jurisdiction: 'US-TX', recipient: 'self', channels: ['email', 'sms', 'voice'] });
    expect(affected.get('adult-us-no-subdivision')!.jurisdiction).toBe('US');
    expect(affected.get('adult-cn')!.jurisdiction).toBe('CN');
    expect(affected.get('adult-de')).toMatchObject({ jurisdiction: 'DE', channels: ['email'] });
    expect(affected.get('adult-cn')!.reasons).toEqual({ data_categories: ['contact'], systems: ['export-bucket'], include_list: false });
    expect(affected.get('forensics-listed')!.reasons.include_list).toBe(true);

    expect(affected.get('minor-with-guardian')).toMatchObject({ minor: true, recipient: 'guardian', email: 'guardian@example.com', channels: ['email'], guardian_missing: false });
    expect(affected.get('minor-no-guardian')).toMatchObject({ minor: true, guardian_missing: true, channels: [], announcement_only: true });
    expect(affected.get('minor-flag-only')).toMatchObject({ minor: true, recipient: 'guardian', channels: ['sms', 'voice'] });
    expect(affected.get('just-turned-14')).toMatchObject({ minor: false, recipient: 'self' });
    expect(affected.get('no-contact')).toMatchObject({ channels: [], announcement_only: true });
    // Announcement only exactly when no channel the ledger sends on is among theirs: the rule the run and the check use.
    expect(affected.get('letter-only')).toMatchObject({ channels: ['letter'], announcement_only: !hasIndividualChannel(['letter']) });

    expect(snap.row_count).toBe(12);
    expect(snap.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(snap.summary).toMatchObject({
      total: 12,
      minors: 3,
      minors_without_guardian: 1,
      deleted_accounts: 1,
      // No contact at all, a child without a guardian's contact, and the letter-only person while no letter channel sends.
      announcement_only: 2 + (hasIndividualChannel(['letter']) ? 0 : 1),
      from_include_list: 1,
    });
    expect(snap.summary.by_jurisdiction).toEqual({ CN: 9, 'US-TX': 1, US: 1, DE: 1 });
    // The counts agree with the people themselves.
    const tally = (values: string[]) => values.reduce<Record<string, number>>((t, v) => ({ ...t, [v]: (t[v] ?? 0) + 1 }), {});
    const everyone = [...affected.values()];
    expect(snap.summary.by_jurisdiction).toEqual(tally(everyone.map((p) => p.jurisdiction)));
    expect(snap.summary.by_data_category).toEqual(tally(everyone.flatMap((p) => p.reasons.data_categories)));
    expect(snap.summary.by_data_category).toEqual({ contact: 11 });
    expect(snap.summary.by_country).toEqual({ CN: 9, US: 2, DE: 1 });
    expect(snap.summary.by_subdivision).toEqual({ 'CN-HB': 9, 'US-TX': 1, 'DE-BY': 1 });
    expect(snap.summary.by_channel).toEqual(tally(everyone.flatMap((p) => p.channels)));
    expect(snap.summary.by_channel.letter).toBe(1);

    const summary = await h.request('GET', `/v1/incidents/${id}/affected`, { as: 'viewer' });
    expect(summary.status).toBe(200);
    expect(JSON.stringify(await summary.json())).not.toContain('@example.com');
    // Viewers see totals, not people.
    expect((await h.request('GET', `/v1/incidents/${id}/affected/users`, { as: 'viewer' })).status).toBe(403);
  });

  it('makes a new version on re-resolve and records what changed on the timeline', async () => {
    const h = harness();
    const id = await setUp(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: scope });
    const first = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    // Same scope, same directory: same content.
    const same = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    expect(same.version).toBe(2);
    expect(same.content_hash).toBe(first.content_hash);

    // Forensics adds a list upload; the responder drops the window's lower edge and excludes one more.
    const upload = await h.request('PUT', `/v1/incidents/${id}/scope/lists/include`, {
      as: 'responder',
      body: 'other-category\n\nother-category\r\n',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await json(upload)).toEqual({ list: 'include', ids: 1 });
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { ...scope, window: { from: null, to: daysAgo(2) }, exclude_ids: ['excluded', 'adult-de'] } });
    const third = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    expect(third.version).toBe(3);
    expect(third.content_hash).not.toBe(first.content_hash);

    const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[]; verification: { valid: boolean } }>(
      await h.request('GET', `/v1/incidents/${id}/timeline`),
    );
    const resolved = timeline.events.filter((e) => e.type === 'affected.resolved');
    expect(resolved).toHaveLength(3);
    expect(resolved[1]!.data.diff).toEqual({ added: 0, removed: 0, added_ids: [], removed_ids: [] });
    expect(resolved[2]!.data.diff).toEqual({ added: 2, removed: 1, added_ids: ['deleted-before-window', 'other-category'], removed_ids: ['adult-de'] });
    expect(timeline.verification.valid).toBe(true);
  });

  it('narrows by each dimension given: adding systems to a categories-only scope drops those without data there, shown on the timeline', async () => {
    const h = harness();
    const id = await setUp(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } });
    const broad = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['export-bucket'], include_ids: ['forensics-listed'] } });
    const narrow = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    expect(narrow.row_count).toBe(broad.row_count); // one dropped, one added by id
    const onlySystems = { systems: ['export-bucket'] };
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: onlySystems });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    const resolved = (await json<{ events: { type: string; data: Record<string, unknown> }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`))).events.filter((e) => e.type === 'affected.resolved');
    expect(resolved[1]!.data.diff).toMatchObject({ added: 1, removed: 1, added_ids: ['forensics-listed'], removed_ids: ['category-match-only'] });
    // Systems alone: everyone with data there, whatever their categories.
    expect(resolved[2]!.data.diff).toMatchObject({ added_ids: ['system-match-only'], removed_ids: ['forensics-listed'] });
  });

  it('exports the snapshot as CSV with formula-safe cells', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, [user('=HYPERLINK("x")', { name: '+cmd' })], null, new Date());
    const id = await setUp(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } });
    await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
    const res = await h.request('GET', `/v1/incidents/${id}/affected.csv`, { as: 'responder' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    const lines = text.trim().split('\n');
    expect(lines[0]).toContain('external_id,jurisdiction');
    // Header, the 15 directory users holding contact data, and the formula-named one.
    expect(lines).toHaveLength(1 + 15 + 1);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text).toContain("'+cmd");
    // E.164 numbers stay machine-readable: no quote in front of them.
    expect(text).toMatch(/,\+\d{8,15},/);
    expect(text).not.toMatch(/'\+\d/);
  });

  it('leaves out the people of an uploaded exclude list, and gives no reasons for a kind of match the scope does not ask for', async () => {
    const h = harness();
    const id = await setUp(h);
    await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { systems: ['orders-db'] } });
    const upload = await h.request('PUT', `/v1/incidents/${id}/scope/lists/exclude`, { as: 'responder', body: 'adult-cn\n', headers: { 'content-type': 'text/plain' } });
    expect(await json(upload)).toEqual({ list: 'exclude', ids: 1 });
    const snap = await json<Snapshot>(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }));
    const affected = await people(h, id);
    expect(snap.row_count).toBe(affected.size);
    expect(affected.has('adult-cn')).toBe(false);
    expect(affected.get('adult-tx')!.reasons).toEqual({ data_categories: [], systems: ['orders-db'], include_list: false });
  });

  it('lists each matched category and system once, in the scope’s order, for short and long scopes alike', async () => {
    const h = harness();
    await upsertUsers(h.db.sql, [user('repeats', { data_categories: ['contact', 'device_usage', 'shipping_address', 'contact'], systems: ['telemetry', 'orders-db', 'orders-db'] })], null, new Date());
    const id = await setUp(h);
    // A short list is matched in place, a long one (past 16 values) through a subquery: the same answer.
    const padding = Array.from({ length: 40 }, (_, i) => `unused-system-${i}`);
    for (const systems of [['orders-db', 'telemetry', 'orders-db'], [...padding, 'orders-db', 'telemetry']]) {
      await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['shipping_address', 'children', 'contact', 'contact'], systems } });
      expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
      const affected = await people(h, id);
      expect(affected.get('repeats')!.reasons).toEqual({ data_categories: ['shipping_address', 'contact'], systems: ['orders-db', 'telemetry'], include_list: false });
      expect(affected.get('adult-cn')!.reasons).toEqual({ data_categories: ['shipping_address', 'contact'], systems: ['orders-db'], include_list: false });
    }
  });

  it('refuses a scope that matches nothing and a resolve without a scope', async () => {
    const h = harness();
    const id = await setUp(h);
    expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(404);
    const empty = await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: {} });
    expect(empty.status).toBe(422);
    const backwards = await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { ...scope, window: { from: daysAgo(1), to: daysAgo(5) } } });
    expect(backwards.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(backwards)).errors[0]!.field).toBe('window.to');
  });
});
