// Projections of the published announcements: Statuspage-shaped JSON, Atom and RSS feeds, and the HTML page.
import { Feed } from 'feed';
import { sha256Base64 } from '../lib/hash.js';
import type { AnnouncementRow, Impact, UpdateRow } from './store.js';

export const pageLocales = ['en', 'zh-CN'] as const;
export type PageLocale = (typeof pageLocales)[number];

export interface PublicContent {
  announcements: AnnouncementRow[];
  updates: UpdateRow[];
}

export interface PageInfo {
  name: Record<PageLocale, string>;
  baseUrl: string;
  updatedAt: Date;
}

const words: Record<PageLocale, Record<string, string>> = {
  en: {
    none: 'All Systems Operational',
    minor: 'Minor Service Outage',
    major: 'Partial System Outage',
    critical: 'Major System Outage',
    investigating: 'Investigating',
    identified: 'Identified',
    monitoring: 'Monitoring',
    resolved: 'Resolved',
    intro: 'Notices about security incidents that affect personal information, and what we are doing about them.',
    empty: 'There are no published notices.',
    updates: 'Updates',
    posted: 'Posted',
    other: '中文',
    feeds: 'Follow these notices',
    back: 'All notices',
    noneActive: 'No active security notices',
  },
  'zh-CN': {
    none: '所有系统运行正常',
    minor: '轻微服务中断',
    major: '部分系统中断',
    critical: '重大系统中断',
    investigating: '调查中',
    identified: '已查明',
    monitoring: '持续监测',
    resolved: '已解决',
    intro: '关于涉及个人信息的安全事件的公告，以及我们采取的措施。',
    empty: '目前没有已发布的公告。',
    updates: '更新',
    posted: '发布于',
    other: 'English',
    feeds: '订阅公告',
    back: '全部公告',
    noneActive: '目前没有进行中的安全公告',
  },
};

const impactRank: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

/** The page's own headline: how many notices are active, in words the public reads (not Statuspage's outage scale). */
export function activeNoticesHeadline(count: number, locale: PageLocale): string {
  if (count === 0) return words[locale].noneActive!;
  if (locale === 'zh-CN') return `${count} 条进行中的安全公告`;
  return `${count} active security notice${count === 1 ? '' : 's'}`;
}

export function pick(text: Record<string, string>, locale: PageLocale): string {
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? '';
}

function updatesOf(content: PublicContent, announcementId: string): UpdateRow[] {
  return content.updates.filter((u) => u.announcement_id === announcementId);
}

function currentStatus(content: PublicContent, a: AnnouncementRow): UpdateRow['status'] {
  return updatesOf(content, a.id)[0]?.status ?? 'investigating';
}

export function incidentUrl(page: PageInfo, a: AnnouncementRow, locale: PageLocale): string {
  return `${page.baseUrl}/status/${a.slug}${locale === 'en' ? '' : `?lang=${locale}`}`;
}

function incidentJson(page: PageInfo, content: PublicContent, a: AnnouncementRow, locale: PageLocale) {
  const updates = updatesOf(content, a.id);
  const status = currentStatus(content, a);
  const firstAt = (s: string) => updates.filter((u) => u.status === s).at(-1)?.published_at?.toISOString() ?? null;
  return {
    id: a.id,
    name: pick(a.title, locale),
    status,
    impact: a.impact,
    shortlink: incidentUrl(page, a, locale),
    created_at: a.published_at!.toISOString(),
    updated_at: (updates[0]?.published_at ?? a.published_at!).toISOString(),
    started_at: a.published_at!.toISOString(),
    monitoring_at: firstAt('monitoring'),
    resolved_at: status === 'resolved' ? firstAt('resolved') : null,
    page_id: 'breachkit',
    scheduled_for: null,
    scheduled_until: null,
    postmortem_body: null,
    metadata: {},
    components: [],
    incident_updates: updates.map((u) => ({
      id: u.id,
      incident_id: a.id,
      status: u.status,
      body: pick(u.body, locale),
      created_at: u.published_at!.toISOString(),
      updated_at: u.published_at!.toISOString(),
      display_at: u.published_at!.toISOString(),
      affected_components: [],
      deliver_notifications: true,
    })),
  };
}

function pageJson(page: PageInfo, locale: PageLocale) {
  return { id: 'breachkit', name: page.name[locale], url: `${page.baseUrl}/status`, time_zone: 'Etc/UTC', updated_at: page.updatedAt.toISOString() };
}

function unresolved(content: PublicContent): AnnouncementRow[] {
  return content.announcements.filter((a) => currentStatus(content, a) !== 'resolved');
}

/** Statuspage's indicator and words, for /api/v2/* clients that read them. */
function statusOf(content: PublicContent, locale: PageLocale) {
  const open = unresolved(content);
  const worst = open.reduce<Impact>((w, a) => (impactRank[a.impact] > impactRank[w] ? a.impact : w), 'none');
  return { indicator: worst, description: words[locale][worst]! };
}

export function summaryJson(page: PageInfo, content: PublicContent, locale: PageLocale) {
  return {
    page: pageJson(page, locale),
    components: [],
    incidents: unresolved(content).map((a) => incidentJson(page, content, a, locale)),
    scheduled_maintenances: [],
    status: statusOf(content, locale),
  };
}

export function statusJson(page: PageInfo, content: PublicContent, locale: PageLocale) {
  return { page: pageJson(page, locale), status: statusOf(content, locale) };
}

export function incidentsJson(page: PageInfo, content: PublicContent, locale: PageLocale, unresolvedOnly: boolean) {
  const list = content.announcements.filter((a) => !unresolvedOnly || currentStatus(content, a) !== 'resolved').slice(0, 50);
  return { page: pageJson(page, locale), incidents: list.map((a) => incidentJson(page, content, a, locale)) };
}

/**
 * One feed entry per published update, newest first. Titles and bodies go out as escaped HTML with
 * the page's paragraphs, so text such as `<phishing@example.com>` reaches the reader as written.
 */
export function feed(page: PageInfo, content: PublicContent, locale: PageLocale, format: 'atom' | 'rss'): string {
  const suffix = locale === 'en' ? '' : `?lang=${locale}`;
  // RFC 4287 §4.1.1: an Atom feed names an author. RSS's <author> is an email address, which the page has none of.
  const author = { name: page.name[locale], link: `${page.baseUrl}/status${suffix}` };
  const f = new Feed({
    ...(format === 'atom' ? { author } : {}),
    title: page.name[locale],
    description: words[locale].intro!,
    id: `${page.baseUrl}/status${suffix}`,
    link: `${page.baseUrl}/status${suffix}`,
    language: locale,
    updated: page.updatedAt,
    copyright: '',
    generator: 'breachkit',
    feedLinks: { atom: `${page.baseUrl}/history.atom${suffix}`, rss: `${page.baseUrl}/history.rss${suffix}` },
  });
  const byId = new Map(content.announcements.map((a) => [a.id, a]));
  for (const u of content.updates) {
    const a = byId.get(u.announcement_id);
    if (!a) continue;
    const body = paragraphs(pick(u.body, locale));
    f.addItem({
      title: escapeHtml(`${pick(a.title, locale)} — ${words[locale][u.status]}`),
      id: `${incidentUrl(page, a, 'en')}#update-${u.seq}`,
      link: `${incidentUrl(page, a, locale)}#update-${u.seq}`,
      description: body,
      content: body,
      date: u.published_at!,
      ...(format === 'atom' ? { author: [{ name: author.name }] } : {}),
    });
  }
  if (format === 'rss') return f.rss2();
  // The feed library writes no xml:lang; the language goes on the feed and each entry.
  const lang = `xml:lang="${locale}"`;
  return f
    .atom1()
    .replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" ${lang}>`)
    .replaceAll('<entry>', `<entry ${lang}>`);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** Paragraphs from plain text: blank lines separate them, single newlines stay as line breaks. */
function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

const styles = `body{font:16px/1.55 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:46rem;margin:0 auto;padding:1rem 1.25rem 3rem}header{border-bottom:1px solid #ddd;margin-bottom:1.5rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .25rem}
a{color:#0645ad}.status{display:inline-block;padding:.1rem .5rem;border-radius:.25rem;background:#eef;font-weight:600}
.impact-critical,.impact-major{background:#fde2e1}.impact-minor{background:#fff4ce}.resolved{background:#e3f4e1}
article{border-top:1px solid #eee;padding-top:.5rem}time{color:#555}nav{display:flex;gap:1rem;flex-wrap:wrap;font-size:.95rem}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8ab4f8}.status{background:#223}header,article{border-color:#333}time{color:#aaa}}`;

/** The Content-Security-Policy of the public HTML: nothing but its own inline style sheet. */
export const publicPageCsp = `default-src 'none'; style-src 'sha256-${sha256Base64(styles)}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

function layout(page: PageInfo, locale: PageLocale, title: string, path: string, body: string): string {
  const other: PageLocale = locale === 'en' ? 'zh-CN' : 'en';
  const w = words[locale];
  const href = (l: PageLocale) => `${path}${l === 'en' ? '' : `?lang=${l}`}`;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="alternate" hreflang="en" href="${href('en')}">
<link rel="alternate" hreflang="zh-CN" href="${href('zh-CN')}">
<link rel="alternate" type="application/atom+xml" title="Atom" href="/history.atom${locale === 'en' ? '' : `?lang=${locale}`}">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/history.rss${locale === 'en' ? '' : `?lang=${locale}`}">
<style>${styles}</style>
</head>
<body>
<main>
<header>
<nav aria-label="Language and feeds"><a href="${href(other)}" hreflang="${other}" lang="${other}">${w.other}</a><a href="/history.atom${locale === 'en' ? '' : `?lang=${locale}`}">${w.feeds} (Atom)</a><a href="/history.rss${locale === 'en' ? '' : `?lang=${locale}`}">RSS</a></nav>
<h1>${escapeHtml(page.name[locale])}</h1>
</header>
${body}
</main>
</body>
</html>`;
}

function updateHtml(u: UpdateRow, locale: PageLocale): string {
  const w = words[locale];
  return `<article id="update-${u.seq}">
<h3><span class="status ${u.status === 'resolved' ? 'resolved' : ''}">${w[u.status]}</span> <time datetime="${u.published_at!.toISOString()}">${u.published_at!.toISOString().replace('T', ' ').slice(0, 16)} UTC</time></h3>
${paragraphs(pick(u.body, locale))}
</article>`;
}

export function indexHtml(page: PageInfo, content: PublicContent, locale: PageLocale): string {
  const w = words[locale];
  const status = statusOf(content, locale);
  const headline = activeNoticesHeadline(unresolved(content).length, locale);
  const items = content.announcements
    .map((a) => {
      const s = currentStatus(content, a);
      return `<li><a href="/status/${a.slug}${locale === 'en' ? '' : `?lang=${locale}`}">${escapeHtml(pick(a.title, locale))}</a> — <span class="status ${s === 'resolved' ? 'resolved' : `impact-${a.impact}`}">${w[s]}</span> <time datetime="${a.published_at!.toISOString()}">${a.published_at!.toISOString().slice(0, 10)}</time></li>`;
    })
    .join('\n');
  return layout(
    page,
    locale,
    page.name[locale],
    '/status',
    `<p>${w.intro}</p>
<p role="status"><span class="status impact-${status.indicator}">${escapeHtml(headline)}</span></p>
${items ? `<ul>\n${items}\n</ul>` : `<p>${w.empty}</p>`}`,
  );
}

export function announcementHtml(page: PageInfo, content: PublicContent, a: AnnouncementRow, locale: PageLocale): string {
  const w = words[locale];
  const s = currentStatus(content, a);
  return layout(
    page,
    locale,
    `${pick(a.title, locale)} — ${page.name[locale]}`,
    `/status/${a.slug}`,
    `<p><a href="/status${locale === 'en' ? '' : `?lang=${locale}`}">← ${w.back}</a></p>
<h2>${escapeHtml(pick(a.title, locale))}</h2>
<p><span class="status ${s === 'resolved' ? 'resolved' : `impact-${a.impact}`}">${w[s]}</span> ${w.posted} <time datetime="${a.published_at!.toISOString()}">${a.published_at!.toISOString().slice(0, 10)}</time></p>
<section aria-label="${w.updates}">
${updatesOf(content, a.id).map((u) => updateHtml(u, locale)).join('\n')}
</section>`,
  );
}
