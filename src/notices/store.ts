// SQL for notice versions.
import type { Db } from '../db/client.js';
import type { InappMode, NoticeContent } from './content.js';

export interface NoticeVersionRow {
  id: string;
  incident_id: string;
  version: number;
  content: NoticeContent;
  content_hash: string;
  templates_hash: string;
  rendered_hashes: Record<string, string>;
  status: 'awaiting_approval' | 'approved';
  inapp: InappMode;
  drafted_by: string;
  drafted_by_name: string;
  drafted_at: Date;
  approved_by: string | null;
  approved_by_name: string | null;
  approved_at: Date | null;
}

const columns = `id, incident_id, version, content, content_hash, templates_hash, rendered_hashes, status, inapp, drafted_by,
  drafted_by_name, drafted_at, approved_by, approved_by_name, approved_at`;

export async function latestVersionNumber(db: Db, incidentId: string): Promise<number> {
  const [row] = await db<{ v: number }[]>`select coalesce(max(version), 0)::int as v from notice_versions where incident_id = ${incidentId}`;
  return row!.v;
}

export async function insertVersion(db: Db, r: Omit<NoticeVersionRow, 'inapp'> & { inapp?: InappMode }): Promise<void> {
  await db`
    insert into notice_versions (id, incident_id, version, content, content_hash, templates_hash, rendered_hashes, status, inapp,
      drafted_by, drafted_by_name, drafted_at)
    values (${r.id}, ${r.incident_id}, ${r.version}, ${db.json(r.content as never)}, ${r.content_hash}, ${r.templates_hash},
      ${db.json(r.rendered_hashes)}, ${r.status}, ${r.inapp ?? 'in_order'}, ${r.drafted_by}, ${r.drafted_by_name}, ${r.drafted_at})`;
}

export async function selectVersion(db: Db, incidentId: string, version: number, forUpdate = false): Promise<NoticeVersionRow | undefined> {
  const [row] = forUpdate
    ? await db<NoticeVersionRow[]>`select ${db.unsafe(columns)} from notice_versions where incident_id = ${incidentId} and version = ${version} for update`
    : await db<NoticeVersionRow[]>`select ${db.unsafe(columns)} from notice_versions where incident_id = ${incidentId} and version = ${version}`;
  return row;
}

export async function selectVersions(db: Db, incidentId: string): Promise<NoticeVersionRow[]> {
  return db<NoticeVersionRow[]>`select ${db.unsafe(columns)} from notice_versions where incident_id = ${incidentId} order by version`;
}

export async function selectLatestApproved(db: Db, incidentId: string): Promise<NoticeVersionRow | undefined> {
  const [row] = await db<NoticeVersionRow[]>`
    select ${db.unsafe(columns)} from notice_versions where incident_id = ${incidentId} and status = 'approved' order by version desc limit 1`;
  return row;
}

export async function markApproved(db: Db, id: string, by: { id: string; name: string }, at: Date): Promise<void> {
  await db`update notice_versions set status = 'approved', approved_by = ${by.id}, approved_by_name = ${by.name}, approved_at = ${at} where id = ${id}`;
}
