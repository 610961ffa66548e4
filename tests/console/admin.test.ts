// The console's admin pages: API keys (create showing the secret once, revoke) and the organisation profile with its versions; admin only.
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { ConsoleClient, textOf } from './client.js';

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

describeEachDatabase('console admin pages', (harness) => {
  it('creates a key showing its secret once, which then signs in; revoking it ends that session', async () => {
    const h = harness();
    const admin = await signedIn(h, h.tokens.admin);
    await admin.get('/console/admin/api-keys');
    const bad = await admin.post('/console/admin/api-keys', { name: '  ', role: 'superuser' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/id="f-name-problem"[^>]*>[^<]+</);
    expect(badHtml).toMatch(/id="f-role-problem"[^>]*>[^<]+</);

    const created = await admin.post('/console/admin/api-keys', { name: 'Ana Souza (on call)', role: 'viewer' });
    expect(created.status).toBe(200);
    const html = await created.text();
    const secret = /id="new-secret" readonly="" value="(bk_[^"]+)"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    expect(textOf(html)).toContain('shown only this once');
    // Listed by its prefix only; the secret is not on the page again.
    const listed = await (await admin.get('/console/admin/api-keys')).text();
    expect(listed).toContain('Ana Souza (on call)');
    expect(listed).not.toContain(secret!);
    const keys = await json<{ data: { id: string; name: string; role: string }[] }>(await h.request('GET', '/v1/api-keys'));
    const key = keys.data.find((k) => k.name === 'Ana Souza (on call)')!;
    expect(key.role).toBe('viewer');

    const holder = await signedIn(h, secret!);
    expect((await holder.get('/console/incidents')).status).toBe(200);
    await admin.get('/console/admin/api-keys');
    const revoked = await admin.post(`/console/admin/api-keys/${key.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect(textOf(await (await admin.get(revoked.headers.get('location')!)).text())).toContain('The key of Ana Souza (on call) is revoked');
    expect((await h.request('GET', '/v1/api-keys?include_revoked=true')).status).toBe(200);
    const gone = await holder.get('/console/incidents');
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toContain('ended=revoked');
  });

  it('edits the organisation profile as new versions, with each problem beside its field and a stale form refused', async () => {
    const h = harness();
    const admin = await signedIn(h, h.tokens.admin);
    const empty = await (await admin.get('/console/admin/organisation')).text();
    expect(empty).toContain('name="version" value="0"');
    const bad = await admin.post('/console/admin/organisation', {
      version: '0',
      name: 'Example Co',
      contact_email: 'not-mail',
      ra_name: 'Example Co',
      ra_line1: '1 Road',
      ra_country: 'Germany',
      on_call: 'Ana; ana@mail.example; 555',
      reminder_thresholds: '0.5, 2',
      immediate_target_hours: '24',
    });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    for (const f of ['contact_email', 'ra_country', 'on_call', 'reminder_thresholds']) expect(badHtml).toMatch(new RegExp(`id="f-${f}-problem"[^>]*>[^<]+<`));
    expect(badHtml).toMatch(/id="f-on_call-problem"[^>]*>#1 phone: /);
    expect(badHtml).toContain('value="Germany"');

    await admin.get('/console/admin/organisation');
    const ok = await admin.post('/console/admin/organisation', {
      version: '0',
      name: 'Example Co',
      contact_email: 'privacy@mail.example',
      ra_name: 'Example Co',
      ra_line1: '1 Road',
      ra_city: 'Berlin',
      ra_country: 'DE',
      cii_operator: 'false',
      hipaa_covered_entity: 'true',
      on_call: 'Ana; ana@mail.example; +4915112345678',
      reminder_thresholds: '0.5, 1',
      immediate_target_hours: '12',
      immediate_target_by_rule: 'eu-gdpr-33 = 48',
      due_soon_hours: '',
    });
    expect(ok.status).toBe(303);
    const profile = await json<Record<string, unknown>>(await h.request('GET', '/v1/organisation'));
    expect(profile).toMatchObject({
      version: 1,
      name: 'Example Co',
      contact: { email: 'privacy@mail.example' },
      return_address: { name: 'Example Co', line1: '1 Road', city: 'Berlin', country: 'DE', line2: null },
      cii_operator: false,
      hipaa_covered_entity: true,
      sec_domestic_registrant: null,
      on_call: [{ name: 'Ana', email: 'ana@mail.example', phone: '+4915112345678' }],
      reminder_thresholds: [0.5, 1],
      immediate_target_hours: 12,
      immediate_target_by_rule: { 'eu-gdpr-33': 48 },
      due_soon_hours: null,
    });
    const page = await (await admin.get(ok.headers.get('location')!)).text();
    expect(textOf(page)).toContain('Saved as version 1.');
    // The form shows what is stored, so saving it unchanged records the same profile again.
    expect(page).toMatch(/<textarea[^>]*name="immediate_target_by_rule"[^>]*>eu-gdpr-33 = 48<\/textarea>/);
    expect(page).toMatch(/<option value="true" selected="">[^<]+<\/option>/);
    const stale = { version: '0', name: 'Overwritten', immediate_target_hours: '24', reminder_thresholds: '1' };
    const second = await admin.post('/console/admin/organisation', { ...stale, version: '1', name: 'Example Co GmbH' });
    expect(second.status).toBe(303);
    await admin.get('/console/admin/organisation');
    const refused = await admin.post('/console/admin/organisation', stale);
    expect(refused.status).toBe(412);
    expect(textOf(await refused.text())).toContain('Version 2 was saved after you read version 0');
    const versions = await json<{ data: { version: number; profile: { name: string } }[] }>(await h.request('GET', '/v1/organisation/versions'));
    expect(versions.data.map((v) => [v.version, v.profile.name])).toEqual([
      [2, 'Example Co GmbH'],
      [1, 'Example Co'],
    ]);
    const v1 = await (await admin.get('/console/admin/organisation?version=1')).text();
    expect(v1).toContain('data-profile-version="1"');
    expect(v1).toContain('href="/console/admin/organisation?version=2"');
  });

  it('offers the admin pages to an admin only: others get no link, a 403 page, and their posts refused', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const admin = await signedIn(h, h.tokens.admin);
    const adminView = await (await admin.get(`/console/incidents/${id}`)).text();
    expect(adminView).toContain('href="/console/admin/api-keys"');
    expect(adminView).toContain('href="/console/admin/organisation"');
    const keysBefore = await json<{ data: unknown[] }>(await h.request('GET', '/v1/api-keys'));
    const profilesBefore = await json(await h.request('GET', '/v1/organisation/versions'));
    for (const role of ['responder', 'approver', 'viewer'] as const) {
      const client = await signedIn(h, h.tokens[role]);
      const page = await (await client.get(`/console/incidents/${id}`)).text();
      expect(page).not.toContain('/console/admin/');
      for (const path of ['/console/admin/api-keys', '/console/admin/organisation']) {
        const res = await client.get(path);
        expect(res.status).toBe(403);
        expect(textOf(await res.text())).toContain('Your role may not do this.');
      }
      await client.get(`/console/incidents/${id}`);
      expect((await client.post('/console/admin/api-keys', { name: `made by ${role}`, role: 'admin' })).status).toBe(403);
      await client.get(`/console/incidents/${id}`);
      expect((await client.post('/console/admin/organisation', { version: '0', name: role, immediate_target_hours: '1', reminder_thresholds: '1' })).status).toBe(403);
      const key = keysBefore.data[0] as { id: string };
      await client.get(`/console/incidents/${id}`);
      expect((await client.post(`/console/admin/api-keys/${key.id}/revoke`)).status).toBe(403);
    }
    expect(await json(await h.request('GET', '/v1/api-keys'))).toEqual(keysBefore);
    expect(await json(await h.request('GET', '/v1/organisation/versions'))).toEqual(profilesBefore);
  });
});
