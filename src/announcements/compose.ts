// The announcement as the API and the console write and show it: drafted from the approved notice, previewed as the public page.
import type { Services } from '../http/context.js';
import type { Actor } from '../incidents/service.js';
import { getIncident } from '../incidents/service.js';
import { latestApprovedNotice } from '../notices/service.js';
import { noticeLocales } from '../notices/content.js';
import { ConflictError } from '../errors.js';
import { draftAnnouncement, getAnnouncement, type AnnouncementView, type Impact, type Localized, type UpdateStatus } from './service.js';
import { announcementHtml, type PageLocale } from './views.js';

/**
 * Drafts the announcement: its text rendered from the `announcement` templates with the newest approved notice,
 * in every notice language; the title is the notice headline unless one is given.
 */
export async function draftFromApprovedNotice(
  services: Pick<Services, 'db' | 'notices'>,
  incidentId: string,
  input: { impact: Impact; status: UpdateStatus; title?: Localized | undefined },
  actor: Actor,
  now: Date,
): Promise<AnnouncementView> {
  const { db, notices } = services;
  const incident = await getIncident(db, incidentId);
  const approved = await latestApprovedNotice(db, incidentId);
  if (!approved) throw new ConflictError('Approve a notice version first: the announcement is written from it.');
  const body = Object.fromEntries(
    noticeLocales.map((locale) => [
      locale,
      notices.renderer.render({
        channel: 'announcement',
        locale,
        content: approved.content,
        recipient: null,
        links: { publicNotice: notices.publicNoticeUrl },
        incident: { title: incident.title, discoveredAt: incident.discovered_at },
      }).text ?? '',
    ]),
  );
  const title = input.title ?? Object.fromEntries(noticeLocales.map((l) => [l, approved.content.locales[l].headline]));
  return draftAnnouncement(db, incidentId, { impact: input.impact, status: input.status, title, body }, actor, now);
}

const previewBanner: Record<'drill' | 'real', Record<PageLocale, string>> = {
  drill: { en: 'DRILL — preview only: this announcement is never shown on the public status page or feeds.', 'zh-CN': '演练 — 仅供预览：本公告不会出现在公开状态页或订阅中。' },
  real: { en: 'Preview: the public page shows only what is published.', 'zh-CN': '预览：公开页面只显示已发布的内容。' },
};

/** The public page of the announcement as it would look with its drafts published, marked as a preview (and a drill as one). */
export async function announcementPreviewHtml(services: Pick<Services, 'db' | 'clock' | 'config' | 'publicPage'>, incidentId: string, lang: PageLocale): Promise<string> {
  const { db, clock, config, publicPage } = services;
  const incident = await getIncident(db, incidentId);
  const v = await getAnnouncement(db, incidentId);
  const now = clock.now();
  const announcement = { ...v.announcement, published_at: v.announcement.published_at ?? now };
  const updates = v.updates.map((u) => ({ ...u, published_at: u.published_at ?? now }));
  const page = { name: { en: config.STATUS_PAGE_NAME_EN, 'zh-CN': config.STATUS_PAGE_NAME_ZH }, baseUrl: publicPage.baseUrl, updatedAt: now };
  const html = announcementHtml(page, { announcements: [announcement], updates }, announcement, lang);
  const banner = incident.drill ? previewBanner.drill[lang] : previewBanner.real[lang];
  return html.replace(/<body([^>]*)>/, `<body$1><p role="note" style="background:#fde68a;padding:.5em;font-weight:bold">${banner}</p>`);
}
