// SQL for notice-page links: one hashed token per delivery that carries a link, and the views it had.
import type { Db } from '../db/client.js';
import type { NoticeContent } from '../notices/content.js';

export async function insertLinks(db: Db, links: { tokenHash: string; deliveryId: string }[], now: Date): Promise<void> {
  if (links.length === 0) return;
  await db`
    insert into notice_links (token_hash, delivery_id, created_at)
    select t.token_hash, t.delivery_id, ${now}
    from unnest(${links.map((l) => l.tokenHash)}::text[], ${links.map((l) => Number(l.deliveryId))}::bigint[]) as t(token_hash, delivery_id)`;
}

export interface PageRow {
  delivery_id: string;
  locale: string | null;
  recipient: 'self' | 'guardian';
  content: NoticeContent;
  title: string;
  discovered_at: Date;
}

/**
 * What the page behind `tokenHash` shows. With `record`, one view is counted, and the first time is kept on
 * the link and on its delivery, beside the delivery's state and never instead of it.
 */
export async function viewPage(db: Db, tokenHash: string, now: Date, record: boolean): Promise<PageRow | undefined> {
  const [row] = await db<PageRow[]>`
    with link as (
      ${record
        ? db`update notice_links set views = views + 1, first_viewed_at = coalesce(first_viewed_at, ${now}), last_viewed_at = ${now}
          where token_hash = ${tokenHash} returning delivery_id`
        : db`select delivery_id from notice_links where token_hash = ${tokenHash}`}
    ),
    delivery as (
      ${record
        ? db`update deliveries d set viewed_at = coalesce(d.viewed_at, ${now}) from link where d.id = link.delivery_id
          returning d.id, d.run_id, d.external_id, d.notice_version_id, d.locale`
        : db`select d.id, d.run_id, d.external_id, d.notice_version_id, d.locale from deliveries d join link on d.id = link.delivery_id`}
    )
    select d.id::text as delivery_id, coalesce(d.locale, ap.locale) as locale, ap.recipient, n.content, i.title, i.discovered_at
    from delivery d
    join delivery_runs r on r.id = d.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = d.external_id
    join notice_versions n on n.id = d.notice_version_id
    join incidents i on i.id = n.incident_id`;
  return row;
}
