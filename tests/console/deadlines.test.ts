// The console's deadlines page: the obligations the API computes, due in UTC and local time, and the chart as an image.
import { expect, it } from 'vitest';
import { describeEachDatabase, json } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { ConsoleClient, textOf } from './client.js';

describeEachDatabase('console deadlines page', (harness) => {
  it('lists every obligation the API lists as applying, with the same due times, and serves the chart', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const api = await json<{ obligations: { key: string; status: string; due_at: string | null }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`));
    const applying = api.obligations.filter((o) => o.status !== 'not_applicable');
    expect(applying.length).toBeGreaterThan(0);
    const client = new ConsoleClient(h);
    await client.signIn(h.tokens.viewer);
    expect(await (await client.get(`/console/incidents/${id}`)).text()).toContain(`href="/console/incidents/${id}/deadlines"`);
    const page = await (await client.get(`/console/incidents/${id}/deadlines`)).text();
    for (const to of ['affected', 'notice', 'delivery', 'announcement']) expect(page).toContain(`href="/console/incidents/${id}/${to}"`);
    expect([...page.matchAll(/data-obligation="([^"]+)"/g)].map((m) => m[1])).toEqual(applying.map((o) => o.key));
    const gdpr = applying.find((o) => o.key.startsWith('eu-gdpr-33'))!;
    const row = page.slice(page.indexOf(`data-obligation="${gdpr.key}"`)).split('</tr>')[0]!;
    expect(row).toContain(`datetime="${new Date(gdpr.due_at!).toISOString()}"`);
    expect(row).toContain('Europe/');
    expect(textOf(page)).toContain(`${api.obligations.length - applying.length} further rules do not apply`);
    const svg = await client.get(`/console/incidents/${id}/deadlines.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(await svg.text()).toMatch(/^<svg|^<\?xml/);
  });
});
