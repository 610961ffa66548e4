// SQL for announcements and their updates.
import type { Db } from '../db/client.js';

export const impacts = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof impacts)[number];
export const updateStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type UpdateStatus = (typeof updateStatuses)[number];

export type Localized = Record<string, string>;

export interface AnnouncementRow {
  id: string;
  incident_id: string;
  slug: string;
  impact: Impact;
  title: Localized;
  created_at: Date;
  created_by: string;
  published_at: Date | null;
}

export interface UpdateRow {
  id: string;
  announcement_id: string;
  seq: number;
  status: UpdateStatus;
  body: Localized;
  created_at: Date;
  created_by: string;
  published_at: Date | null;
}

export async function insertAnnouncement(db: Db, a: AnnouncementRow): Promise<void> {
  await db`
    insert into announcements (id, incident_id, slug, impact, title, created_at, created_by, published_at)
    values (${a.id}, ${a.incident_id}, ${a.slug}, ${a.impact}, ${db.json(a.title)}, ${a.created_at}, ${a.created_by}, ${a.published_at})`;
}

export async function insertUpdate(db: Db, u: UpdateRow): Promise<void> {
  await db`
    insert into announcement_updates (id, announcement_id, seq, status, body, created_at, created_by, published_at)
    values (${u.id}, ${u.announcement_id}, ${u.seq}, ${u.status}, ${db.json(u.body)}, ${u.created_at}, ${u.created_by}, ${u.published_at})`;
}

export async function selectByIncident(db: Db, incidentId: string, forUpdate = false): Promise<AnnouncementRow | undefined> {
  const [row] = forUpdate
    ? await db<AnnouncementRow[]>`select * from announcements where incident_id = ${incidentId} for update`
    : await db<AnnouncementRow[]>`select * from announcements where incident_id = ${incidentId}`;
  return row;
}

export async function selectUpdates(db: Db, announcementId: string): Promise<UpdateRow[]> {
  return db<UpdateRow[]>`select * from announcement_updates where announcement_id = ${announcementId} order by seq`;
}

export async function publishAll(db: Db, announcementId: string, at: Date): Promise<number> {
  await db`update announcements set published_at = coalesce(published_at, ${at}) where id = ${announcementId}`;
  const r = await db`update announcement_updates set published_at = ${at} where announcement_id = ${announcementId} and published_at is null`;
  return r.count;
}

export async function bumpPublicVersion(db: Db, at: Date): Promise<void> {
  await db`update public_page_state set version = version + 1, changed_at = ${at} where id = 1`;
}

// The public reads call clock_timestamp(), a volatile function: Hyperdrive (Workers) caches read
// queries for up to a minute unless they call one, and these must see a publish at once.

/** The publish generation of the public page: bumped by every publish, one row read by key. */
export async function publicVersion(db: Db): Promise<number> {
  const [row] = await db<{ version: string }[]>`select version::text as version from public_page_state where id = 1 and clock_timestamp() is not null`;
  return Number(row!.version);
}

/** Everything the public may see: published announcements of real incidents (never a drill's) and their published updates. */
export async function selectPublished(db: Db): Promise<{ announcements: AnnouncementRow[]; updates: UpdateRow[] }> {
  const announcements = await db<AnnouncementRow[]>`
    select a.* from announcements a join incidents i on i.id = a.incident_id and not i.drill
    where a.published_at is not null and clock_timestamp() is not null order by a.published_at desc, a.id desc`;
  const updates = await db<UpdateRow[]>`
    select u.* from announcement_updates u join announcements a on a.id = u.announcement_id join incidents i on i.id = a.incident_id and not i.drill
    where a.published_at is not null and u.published_at is not null and clock_timestamp() is not null
    order by u.published_at desc, u.seq desc`;
  return { announcements, updates };
}
