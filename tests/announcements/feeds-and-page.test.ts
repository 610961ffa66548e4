// Feeds that a reader shows as written (authors, languages, escaped paragraphs), a page that says what it
// shows, and the protective headers of public HTML.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { expect, it } from 'vitest';
import { draftAnnouncement } from '../../src/announcements/service.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';

const phishing = {
  en: 'Watch for phishing.\n\nForward suspicious messages to <phishing@example.com> & delete them.',
  'zh-CN': '请警惕钓鱼邮件。\n\n可疑邮件请转发至 <phishing@example.com> 并删除。',
};

async function publishedAnnouncement(h: Harness) {
  const incident = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await draftAnnouncement(
    h.db.sql,
    incident.id,
    { impact: 'major', status: 'investigating', title: { en: 'Order data <exposed>', 'zh-CN': '订单数据泄露' }, body: { en: 'An export was readable.', 'zh-CN': '导出文件可被读取。' } },
    { id: 'key_test', name: 'Test Responder' },
    new Date(),
  );
  expect((await h.request('POST', `/v1/incidents/${incident.id}/announcement/publish`, { as: 'responder' })).status).toBe(200);
  const update = await h.request('POST', `/v1/incidents/${incident.id}/announcement/updates`, { as: 'responder', json: { status: 'identified', body: phishing } });
  expect(update.status, await update.clone().text()).toBeLessThan(300);
  return incident.id;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
type AtomEntry = { '@xml:lang': string; author: { name: string }; content: { '#text': string; '@type': string } };

describeEachDatabase('public feeds and page', (harness) => {
  it('Atom: the feed and every entry have an author and xml:lang; entries carry escaped, paragraphed HTML (RSS too)', async () => {
    const h = harness();
    await publishedAnnouncement(h);
    for (const lang of ['en', 'zh-CN'] as const) {
      const text = await (await h.request('GET', `/history.atom?lang=${lang}`, { as: null })).text();
      expect(XMLValidator.validate(text)).toBe(true);
      const feed = (xml.parse(text) as { feed: { '@xml:lang': string; author: { name: string }; entry: AtomEntry | AtomEntry[] } }).feed;
      expect(feed['@xml:lang']).toBe(lang);
      expect(feed.author.name).toBe(lang === 'en' ? 'Security notices' : '安全公告');
      const entries = [feed.entry].flat();
      expect(entries.length).toBeGreaterThanOrEqual(2);
      for (const e of entries) {
        expect(e['@xml:lang']).toBe(lang);
        expect(e.author.name.length).toBeGreaterThan(0);
      }
      const newest = entries[0]!;
      expect(newest.content['@type']).toBe('html');
      const [first, second] = phishing[lang].split('\n\n') as [string, string];
      const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(newest.content['#text']).toBe(`<p>${escaped(first)}</p>\n<p>${escaped(second)}</p>`);

      for (const path of ['/history.atom', '/history.rss']) {
        const parsed = await new Parser().parseString(await (await h.request('GET', `${path}?lang=${lang}`, { as: null })).text());
        // A reader shows the address as written, with the paragraphs apart.
        const item = parsed.items[0]!;
        expect(item.contentSnippet, path).toContain(second.replace(/\s+/g, ' ').trim());
        expect(item.contentSnippet, path).toContain('<phishing@example.com>');
        expect(item.content, path).toMatch(/<\/p>\s*<p>/);
      }
    }
    const rss = await (await h.request('GET', '/history.rss', { as: null })).text();
    expect(XMLValidator.validate(rss)).toBe(true);
  });

  it('/status says how many security notices are active, in both languages; /api/v2 keeps Statuspage words', async () => {
    const h = harness();
    const before = await (await h.request('GET', '/status', { as: null })).text();
    const activeBefore = Number(/(\d+) active security notices?/.exec(before)?.[1] ?? 0);
    await publishedAnnouncement(h);
    const en = await (await h.request('GET', '/status', { as: null })).text();
    const zh = await (await h.request('GET', '/status?lang=zh-CN', { as: null })).text();
    const n = activeBefore + 1;
    expect(en).toContain(`${n} active security notice${n === 1 ? '' : 's'}`);
    expect(zh).toContain(`${n} 条进行中的安全公告`);
    for (const page of [en, zh]) expect(page).not.toMatch(/Outage|中断|All Systems Operational/);
    const status = await json<{ status: { indicator: string; description: string } }>(await h.request('GET', '/api/v2/status.json', { as: null }));
    expect(status.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    const zhStatus = await json<{ status: { description: string } }>(await h.request('GET', '/api/v2/status.json?lang=zh-CN', { as: null }));
    expect(zhStatus.status.description).toBe('部分系统中断');
  });

  it('public HTML is sent with nosniff and a Content-Security-Policy that allows only its own style sheet', async () => {
    const h = harness();
    await publishedAnnouncement(h);
    const index = await h.request('GET', '/status', { as: null });
    const slug = /href="\/status\/([a-z0-9]+)"/.exec(await index.text())![1]!;
    for (const path of ['/status', `/status/${slug}`, '/status?lang=zh-CN']) {
      const res = await h.request('GET', path, { as: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/default-src 'none'/);
      expect(csp, path).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp, path).not.toContain('unsafe-inline');
    }
    for (const path of ['/api/v2/summary.json', '/history.atom']) expect((await h.request('GET', path, { as: null })).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a ?lang= the page is not published in, naming the parameter', async () => {
    const h = harness();
    const res = await h.request('GET', '/api/v2/summary.json?lang=fr', { as: null });
    expect(res.status).toBe(400);
    const problem = await json<{ code: string; errors: { field: string }[] }>(res);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors[0]!.field).toBe('query.lang');
  });
});
