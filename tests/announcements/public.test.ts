import Ajv from 'ajv';
import Parser from 'rss-parser';
import { expect, it } from 'vitest';
import { draftAnnouncement } from '../../src/announcements/service.js';
import { negotiateLocale, PublicTraffic } from '../../src/announcements/public.js';
import { createLogger } from '../../src/lib/logger.js';
import { upsertUsers } from '../../src/directory/store.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { incidentsSchema, statusSchema, summarySchema } from './statuspage-schemas.js';

const actor = { id: 'key_test', name: 'Test Responder' };

async function seed(h: Harness) {
  const persons = [
    { external_id: 'pii-user-7731', name: 'Wang Xiaoming', email: 'wang.xiaoming@example.cn', phone: '+8613812345678', postal_address: { line1: '88 Zhongshan Road', city: 'Wuhan' } },
    { external_id: 'pii-user-9902', name: 'Jane Roe', email: 'jane.roe@example.com', phone: '+15125550187', postal_address: { line1: '12 Elm Street', city: 'Austin' } },
  ];
  await upsertUsers(
    h.db.sql,
    persons.map((p) => ({ ...p, locale: 'en', country: 'CN', subdivision: null, account_status: 'active' as const, data_categories: ['contact'], systems: ['crm'], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' })),
    null,
    new Date(),
  );
  const incident = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await h.request('PUT', `/v1/incidents/${incident.id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } });
  await h.request('POST', `/v1/incidents/${incident.id}/affected`, { as: 'responder' });
  const now = new Date();
  const draft = await draftAnnouncement(
    h.db.sql,
    incident.id,
    {
      impact: 'major',
      status: 'investigating',
      title: { en: 'Order data exposed', 'zh-CN': '订单数据泄露' },
      body: { en: 'What happened: an export was readable.\n\nWhat we did: we closed it.', 'zh-CN': '发生了什么：导出文件可被读取。\n\n我们的措施：已关闭。' },
    },
    actor,
    now,
  );
  return { incidentId: incident.id, slug: draft.announcement.slug, persons };
}

const publicPaths = ['/status', '/api/v2/summary.json', '/api/v2/status.json', '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json', '/history.atom', '/history.rss'];

describeEachDatabase('public status page', (harness) => {
  it('shows nothing of a draft, then every update once published, in both languages', async () => {
    const h = harness();
    const { incidentId, slug } = await seed(h);
    const draftSummary = await json<{ incidents: unknown[] }>(await h.request('GET', '/api/v2/summary.json', { as: null }));
    expect(draftSummary.incidents).toHaveLength(0);
    expect((await h.request('GET', `/status/${slug}`, { as: null })).status).toBe(404);

    expect((await h.request('POST', `/v1/incidents/${incidentId}/announcement/publish`, { as: 'responder' })).status).toBe(200);
    await h.request('POST', `/v1/incidents/${incidentId}/announcement/updates`, {
      as: 'responder',
      json: { status: 'identified', body: { en: 'We found the cause.', 'zh-CN': '我们找到了原因。' } },
    });
    const en = await json<{ incidents: { name: string; incident_updates: { body: string; status: string }[] }[]; status: { indicator: string } }>(
      await h.request('GET', '/api/v2/summary.json', { as: null }),
    );
    expect(en.incidents[0]!.name).toBe('Order data exposed');
    expect(en.incidents[0]!.incident_updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
    expect(en.status.indicator).toBe('major');
    const zh = await json<{ incidents: { name: string; incident_updates: { body: string }[] }[] }>(await h.request('GET', '/api/v2/summary.json?lang=zh-CN', { as: null }));
    expect(zh.incidents[0]!.name).toBe('订单数据泄露');
    expect(zh.incidents[0]!.incident_updates[0]!.body).toBe('我们找到了原因。');
    const page = await h.request('GET', `/status/${slug}`, { as: null, headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-language')).toBe('zh-CN');
    const html = await page.text();
    expect(html).toContain('我们找到了原因。');
    // The length sent is the encoded length, not the count of characters.
    expect(Number(page.headers.get('content-length'))).toBe(new TextEncoder().encode(html).byteLength);
    expect(Number(page.headers.get('content-length'))).toBeGreaterThan(html.length);

    const timeline = await json<{ events: { type: string }[] }>(await h.request('GET', `/v1/incidents/${incidentId}/timeline`));
    expect(timeline.events.map((e) => e.type)).toEqual(expect.arrayContaining(['announcement.drafted', 'announcement.published', 'announcement.updated']));
  });

  it('never shows a seeded email, phone, name, user id or postal address on any public route', async () => {
    const h = harness();
    const { incidentId, slug, persons } = await seed(h);
    await h.request('POST', `/v1/incidents/${incidentId}/announcement/publish`, { as: 'responder' });
    const forbidden = persons.flatMap((p) => [p.external_id, p.name, p.email, p.phone, p.phone.slice(1), p.postal_address.line1]);
    for (const path of [...publicPaths, `/status/${slug}`]) {
      for (const lang of ['en', 'zh-CN']) {
        const res = await h.request('GET', `${path}?lang=${lang}`, { as: null });
        expect(res.status, path).toBe(200);
        const bytes = await res.text();
        for (const secret of forbidden) expect(bytes, `${path} ${lang}`).not.toContain(secret);
      }
    }
  });

  it('serves Statuspage-shaped JSON, feeds a feed reader parses, CORS, ETag and 304', async () => {
    const h = harness();
    const { incidentId } = await seed(h);
    await h.request('POST', `/v1/incidents/${incidentId}/announcement/publish`, { as: 'responder' });
    await h.request('POST', `/v1/incidents/${incidentId}/announcement/updates`, { as: 'responder', json: { status: 'resolved', body: { en: 'Resolved.', 'zh-CN': '已解决。' } } });
    const ajv = new Ajv({ allErrors: true });
    const checks: [string, object][] = [
      ['/api/v2/summary.json', summarySchema],
      ['/api/v2/status.json', statusSchema],
      ['/api/v2/incidents.json', incidentsSchema],
      ['/api/v2/incidents/unresolved.json', incidentsSchema],
    ];
    for (const [path, schema] of checks) {
      const res = await h.request('GET', path, { as: null, headers: { origin: 'https://example.org' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
      const body = await res.json();
      const validate = ajv.compile(schema);
      expect(validate(body), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    const parser = new Parser();
    for (const path of ['/history.atom', '/history.rss']) {
      for (const lang of ['en', 'zh-CN']) {
        const res = await h.request('GET', `${path}?lang=${lang}`, { as: null });
        expect(res.headers.get('content-type')).toContain('xml');
        const parsed = await parser.parseString(await res.text());
        expect(parsed.items.length, path).toBeGreaterThanOrEqual(1);
        expect(parsed.items.every((i) => (i.title ?? '').length > 0)).toBe(true);
      }
    }
    const first = await h.request('GET', '/api/v2/summary.json', { as: null });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('cache-control')).toContain('stale-while-revalidate');
    const again = await h.request('GET', '/api/v2/summary.json', { as: null, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('content-type')).toBeNull();
    expect(await again.text()).toBe('');
  });
});

it('negotiates the page language', () => {
  expect(negotiateLocale('zh-CN', 'en')).toBe('zh-CN');
  expect(negotiateLocale(undefined, 'fr-FR, zh-TW;q=0.8, en;q=0.5')).toBe('zh-CN');
  expect(negotiateLocale(undefined, 'en;q=0.9, zh;q=0.95')).toBe('zh-CN');
  expect(negotiateLocale(undefined, 'de')).toBe('en');
  expect(negotiateLocale(undefined, undefined)).toBe('en');
  // A ?lang= we do not publish in is refused (400 naming query.lang), not quietly swapped for English.
  expect(negotiateLocale('xx', 'zh')).toBeUndefined();
  expect(negotiateLocale('zh-Hans', undefined)).toBe('zh-CN');
});

it('sums public traffic into one log line a minute', () => {
  const lines: string[] = [];
  let t = 0;
  const traffic = new PublicTraffic(createLogger('info', (l) => lines.push(l)), () => t);
  traffic.count('/api/v2/summary.json', 200);
  traffic.count('/api/v2/summary.json', 304);
  traffic.count('/status/abcdefgh12', 200);
  expect(lines).toHaveLength(0);
  t = 61_000;
  traffic.count('/status/zzzzzzzz99', 404);
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({
    msg: 'public page traffic',
    seconds: 61,
    public_requests: { '200 /api/v2/summary.json': 1, '304 /api/v2/summary.json': 1, '200 /status/:slug': 1, '404 /status/:slug': 1 },
  });
});
