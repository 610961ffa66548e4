// A notice page per person: unguessable links for the deliveries that carry one, and the page behind each.
import type { Db } from '../db/client.js';
import type { NoticeRenderer } from '../notices/renderer.js';
import { newNoticePageToken, noticePageTokenHash, noticePageTokenPattern, noticePageUrl } from './link.js';
import * as store from './store.js';

/**
 * A fresh link for each delivery (SMS, in-app, letter): a 128-bit token whose hash alone is stored.
 * Asking again for the same delivery (a resend) gives another link; every one of them keeps working.
 */
export async function issueNoticeLinks(db: Db, deliveryIds: string[], baseUrl: string, now: Date): Promise<Map<string, string>> {
  const tokens = deliveryIds.map((deliveryId) => ({ deliveryId, token: newNoticePageToken() }));
  await store.insertLinks(db, tokens.map((t) => ({ deliveryId: t.deliveryId, tokenHash: noticePageTokenHash(t.token) })), now);
  return new Map(tokens.map((t) => [t.deliveryId, noticePageUrl(baseUrl, t.token)]));
}

/** The link for one delivery (e.g. a letter about to be printed). */
export async function noticeLinkFor(db: Db, deliveryId: string, baseUrl: string, now: Date): Promise<string> {
  return (await issueNoticeLinks(db, [deliveryId], baseUrl, now)).get(deliveryId)!;
}

export interface NoticePage {
  locale: string;
  html: string;
}

/**
 * The page behind a token, in the person's language, with the view recorded when `record` (a GET, not a
 * HEAD); null for a token that is malformed or unknown. It shows the notice and nothing else: no name,
 * address or number.
 */
export async function openNoticePage(db: Db, p: { renderer: NoticeRenderer; token: string; publicNoticeUrl: string; now: Date; record: boolean }): Promise<NoticePage | null> {
  if (!noticePageTokenPattern.test(p.token)) return null;
  const row = await store.viewPage(db, noticePageTokenHash(p.token), p.now, p.record);
  if (!row) return null;
  const rendered = p.renderer.render({
    channel: 'page',
    locale: row.locale,
    content: row.content,
    recipient: { name: null, isGuardian: row.recipient === 'guardian', locale: row.locale },
    links: { publicNotice: p.publicNoticeUrl },
    incident: { title: row.title, discoveredAt: row.discovered_at },
  });
  return { locale: rendered.locale, html: rendered.html! };
}
