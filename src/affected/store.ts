// SQL for scopes and affected snapshots: resolution is one INSERT … SELECT over the directory.
import type { Db } from '../db/client.js';
import type { Scope, SnapshotSummary } from './schema.js';

export interface SnapshotRow {
  id: string;
  incident_id: string;
  version: number;
  scope: Record<string, unknown>;
  row_count: number;
  content_hash: string;
  summary: SnapshotSummary;
  created_at: Date;
  created_by: string;
}

export async function upsertScope(db: Db, incidentId: string, scope: Scope, at: Date, by: string): Promise<void> {
  await db`
    insert into incident_scopes (incident_id, scope, updated_at, updated_by)
    values (${incidentId}, ${db.json(scope as never)}, ${at}, ${by})
    on conflict (incident_id) do update set scope = excluded.scope, updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
}

export async function selectScope(db: Db, incidentId: string): Promise<{ scope: Scope; updated_at: Date; updated_by: string } | undefined> {
  const [row] = await db<{ scope: Scope; updated_at: Date; updated_by: string }[]>`
    select scope, updated_at, updated_by from incident_scopes where incident_id = ${incidentId}`;
  return row;
}

export async function replaceScopeList(db: Db, incidentId: string, list: 'include' | 'exclude', ids: string[]): Promise<number> {
  await db`delete from incident_scope_ids where incident_id = ${incidentId} and list = ${list}`;
  for (let i = 0; i < ids.length; i += 10_000) {
    const chunk = ids.slice(i, i + 10_000);
    await db`
      insert into incident_scope_ids (incident_id, list, external_id)
      select ${incidentId}, ${list}, unnest(${chunk}::text[])
      on conflict do nothing`;
  }
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from incident_scope_ids where incident_id = ${incidentId} and list = ${list}`;
  return row!.n;
}

export async function countScopeLists(db: Db, incidentId: string): Promise<{ include: number; exclude: number }> {
  const rows = await db<{ list: 'include' | 'exclude'; n: number }[]>`
    select list, count(*)::int as n from incident_scope_ids where incident_id = ${incidentId} group by list`;
  return { include: rows.find((r) => r.list === 'include')?.n ?? 0, exclude: rows.find((r) => r.list === 'exclude')?.n ?? 0 };
}

export async function latestSnapshot(db: Db, incidentId: string): Promise<SnapshotRow | undefined> {
  const [row] = await db<SnapshotRow[]>`
    select id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by
    from affected_snapshots where incident_id = ${incidentId} order by version desc limit 1`;
  return row;
}

export async function insertSnapshotHeader(db: Db, s: { id: string; incidentId: string; version: number; scope: Scope; at: Date; by: string }): Promise<void> {
  await db`
    insert into affected_snapshots (id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by)
    values (${s.id}, ${s.incidentId}, ${s.version}, ${db.json(s.scope as never)}, 0, '', '{}', ${s.at}, ${s.by})`;
}

/**
 * Resolves the scope over the directory into affected_people rows.
 * `perSubdivision` lists the countries whose rules are per subdivision (e.g. US states).
 */
export async function insertAffectedPeople(
  db: Db,
  p: { snapshotId: string; incidentId: string; scope: Scope; asOf: Date; minorAge: number; perSubdivision: string[] },
): Promise<number> {
  const s = p.scope;
  const hasMatchers = s.data_categories.length > 0 || s.systems.length > 0;
  const from = s.window?.from ?? null;
  const to = s.window?.to ?? null;
  const result = await db`
    insert into affected_people (snapshot_id, user_id, external_id, jurisdiction, country, subdivision, account_status,
      minor, guardian_missing, recipient, recipient_name, email, phone, postal_address, locale, channels,
      announcement_only, matched_categories, matched_systems, included_by_list)
    select ${p.snapshotId}, u.id, u.external_id,
      case when u.subdivision is not null and u.country = any(${p.perSubdivision}::text[]) then u.subdivision else u.country end,
      u.country, u.subdivision, u.account_status,
      m.minor, m.minor and r.email is null and r.phone is null,
      case when m.minor then 'guardian' else 'self' end,
      r.name, r.email, r.phone, u.postal_address, u.locale,
      c.channels, cardinality(c.channels) = 0,
      array(select x from unnest(u.data_categories) x where x = any(${s.data_categories}::text[]) order by x),
      array(select x from unnest(u.systems) x where x = any(${s.systems}::text[]) order by x),
      l.included
    from directory_users u
    cross join lateral (
      select coalesce(u.minor, false)
        or (u.birth_date is not null and u.birth_date > (${p.asOf}::timestamptz at time zone 'UTC')::date - make_interval(years => ${p.minorAge}))
        as minor
    ) m
    cross join lateral (
      select case when m.minor then u.guardian_name else u.name end as name,
             case when m.minor then u.guardian_email else u.email end as email,
             case when m.minor then u.guardian_phone else u.phone end as phone
    ) r
    cross join lateral (
      select array_remove(array[
        case when r.email is not null then 'email' end,
        case when r.phone is not null then 'sms' end,
        case when r.phone is not null then 'voice' end,
        case when u.postal_address is not null then 'letter' end
      ], null) as channels
    ) c
    cross join lateral (
      select u.external_id = any(${s.include_ids}::text[])
        or exists (select 1 from incident_scope_ids i where i.incident_id = ${p.incidentId} and i.list = 'include' and i.external_id = u.external_id)
        as included
    ) l
    where (
        l.included
        or (
          ${hasMatchers} and (u.data_categories && ${s.data_categories}::text[] or u.systems && ${s.systems}::text[])
          and (cardinality(${s.regions}::text[]) = 0 or u.country = any(${s.regions}::text[]) or u.subdivision = any(${s.regions}::text[]))
          and u.account_status = any(${s.account_statuses}::text[])
          and (${to}::timestamptz is null or u.created_at <= ${to}::timestamptz)
          and (${from}::timestamptz is null or u.deleted_at is null or u.deleted_at >= ${from}::timestamptz)
        )
      )
      and not (u.external_id = any(${s.exclude_ids}::text[]))
      and not exists (select 1 from incident_scope_ids e where e.incident_id = ${p.incidentId} and e.list = 'exclude' and e.external_id = u.external_id)`;
  return result.count;
}

/** Totals and the content hash, computed once when the snapshot is made so readers pay nothing. */
export async function computeSummary(db: Db, snapshotId: string): Promise<{ summary: SnapshotSummary; contentHash: string; rowCount: number }> {
  const counts = async (expr: string) => {
    const rows = await db<{ k: string | null; n: number }[]>`
      select ${db.unsafe(expr)} as k, count(*)::int as n from affected_people where snapshot_id = ${snapshotId} group by 1`;
    return Object.fromEntries(rows.filter((r) => r.k !== null).map((r) => [r.k, r.n])) as Record<string, number>;
  };
  const [totals] = await db<{ total: number; minors: number; minors_without_guardian: number; deleted_accounts: number; announcement_only: number; from_include_list: number }[]>`
    select count(*)::int as total,
      count(*) filter (where minor)::int as minors,
      count(*) filter (where guardian_missing)::int as minors_without_guardian,
      count(*) filter (where account_status = 'deleted')::int as deleted_accounts,
      count(*) filter (where announcement_only)::int as announcement_only,
      count(*) filter (where included_by_list)::int as from_include_list
    from affected_people where snapshot_id = ${snapshotId}`;
  const summary: SnapshotSummary = {
    total: totals!.total,
    by_jurisdiction: await counts('jurisdiction'),
    by_country: await counts('country'),
    by_subdivision: await counts('subdivision'),
    by_channel: await counts('unnest(channels)'),
    by_data_category: await counts('unnest(matched_categories)'),
    minors: totals!.minors,
    minors_without_guardian: totals!.minors_without_guardian,
    deleted_accounts: totals!.deleted_accounts,
    announcement_only: totals!.announcement_only,
    from_include_list: totals!.from_include_list,
  };
  const [hash] = await db<{ h: string }[]>`
    select encode(sha256(convert_to(coalesce(string_agg(concat_ws('|', external_id, jurisdiction, recipient, email, phone, postal_address::text,
      array_to_string(channels, ','), array_to_string(matched_categories, ','), array_to_string(matched_systems, ',')), E'\n' order by external_id), ''), 'UTF8')), 'hex') as h
    from affected_people where snapshot_id = ${snapshotId}`;
  return { summary, contentHash: hash!.h, rowCount: summary.total };
}

export async function finishSnapshot(db: Db, snapshotId: string, r: { summary: SnapshotSummary; contentHash: string; rowCount: number }): Promise<void> {
  await db`
    update affected_snapshots set row_count = ${r.rowCount}, content_hash = ${r.contentHash}, summary = ${db.json(r.summary as never)}
    where id = ${snapshotId}`;
}

export async function diffSnapshots(db: Db, olderId: string, newerId: string, sample: number): Promise<{ added: number; removed: number; added_ids: string[]; removed_ids: string[] }> {
  const side = async (a: string, b: string) => {
    const rows = await db<{ external_id: string }[]>`
      select external_id from affected_people where snapshot_id = ${a}
      except select external_id from affected_people where snapshot_id = ${b}
      order by 1`;
    return rows.map((r) => r.external_id);
  };
  const added = await side(newerId, olderId);
  const removed = await side(olderId, newerId);
  return { added: added.length, removed: removed.length, added_ids: added.slice(0, sample), removed_ids: removed.slice(0, sample) };
}

export interface AffectedPersonRow {
  external_id: string;
  jurisdiction: string | null;
  country: string | null;
  subdivision: string | null;
  account_status: string;
  minor: boolean;
  guardian_missing: boolean;
  recipient: 'self' | 'guardian';
  recipient_name: string | null;
  email: string | null;
  phone: string | null;
  postal_address: Record<string, unknown> | null;
  locale: string | null;
  channels: string[];
  announcement_only: boolean;
  matched_categories: string[];
  matched_systems: string[];
  included_by_list: boolean;
}

export async function selectPeople(db: Db, snapshotId: string, after: string | null, limit: number): Promise<AffectedPersonRow[]> {
  return db<AffectedPersonRow[]>`
    select external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing, recipient, recipient_name,
      email, phone, postal_address, locale, channels, announcement_only, matched_categories, matched_systems, included_by_list
    from affected_people
    where snapshot_id = ${snapshotId} ${after === null ? db`` : db`and external_id > ${after}`}
    order by external_id
    limit ${limit}`;
}
