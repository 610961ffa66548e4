// SQL for scopes and affected snapshots: resolution is one INSERT … SELECT over the directory.
import type { Db } from '../db/client.js';
import { countryCodes, letterAddressChecks, placeholderLines, type ChannelRejection } from './postal-address.js';
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

/** Every snapshot of an incident, oldest first. */
export async function selectSnapshots(db: Db, incidentId: string): Promise<SnapshotRow[]> {
  return db<SnapshotRow[]>`
    select id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by
    from affected_snapshots where incident_id = ${incidentId} order by version`;
}

export async function insertSnapshotHeader(db: Db, s: { id: string; incidentId: string; version: number; scope: Scope; at: Date; by: string }): Promise<void> {
  await db`
    insert into affected_snapshots (id, incident_id, version, scope, row_count, content_hash, summary, created_at, created_by)
    values (${s.id}, ${s.incidentId}, ${s.version}, ${db.json(s.scope as never)}, 0, '', '{}', ${s.at}, ${s.by})`;
}

/**
 * Which letter check (see postal-address.ts) an address fails first, as its 1-based index; null when
 * it passes or there is no address. Built once from constants (no input reaches this text).
 */
const letterProblem = (address: string) => {
  const sqlList = (values: readonly string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]::text[]`;
  const fill = (cond: string) => cond.replace('$countries', sqlList(countryCodes)).replace('$placeholders', sqlList(placeholderLines));
  return `case when ${address} is null then null ${letterAddressChecks.map((c, i) => `when ${fill(c.failsWhen(address))} then ${i + 1}`).join(' ')} end`;
};

/** The rejection stored for a failed letter check: the channel, the field at fault and why. */
const letterRejection = (problem: string) =>
  `case when ${problem} is not null then jsonb_build_array(jsonb_build_object('channel', 'letter', ` +
  `'field', (${`array[${letterAddressChecks.map((c) => `'${c.field}'`).join(',')}]`})[${problem}], ` +
  `'reason', (${`array[${letterAddressChecks.map((c) => `'${c.reason.replace(/'/g, "''")}'`).join(',')}]`})[${problem}])) end`;

/**
 * A person's channels, in this order, each a CASE giving its name when the contact detail it needs
 * is there (for a letter: an address that passes the checks). The stored list, the counts and the
 * hash all read this one list.
 */
const channelCases = (email: string, phone: string, address: string, addressProblem: string) =>
  `case when ${email} is not null then 'email' end, case when ${phone} is not null then 'sms' end, ` +
  `case when ${phone} is not null then 'voice' end, case when ${address} is not null and ${addressProblem} is null then 'letter' end`;

/** Scopes with more values than this match them through one subquery per person instead. */
const inPlaceMatchLimit = 16;

/**
 * The scope's values that a person has, in the scope's order, each once. For a scope of a few
 * values the array is built in place, one CASE per value, which costs far less per row than a
 * subquery; a long list (a scope may name hundreds of systems) goes through one subquery instead.
 */
function matchedValues(db: Db, column: 'data_categories' | 'systems', wanted: string[]) {
  const have = db`${db('u')}.${db(column)}`;
  if (wanted.length === 0) return db`'{}'::text[]`;
  if (wanted.length > inPlaceMatchLimit) {
    return db`array(select w from unnest(${wanted}::text[]) with ordinality as t(w, i) where w = any(${have}) order by i)`;
  }
  return db`array_remove(array[${wanted.flatMap((w, i) => [...(i ? [db`,`] : []), db`case when ${w}::text = any(${have}) then ${w}::text end`])}], null)`;
}

export interface ResolvedSnapshot {
  summary: SnapshotSummary;
  contentHash: string;
  rowCount: number;
}

/**
 * Resolves the scope over the directory into affected_people rows and, in the same statement,
 * the totals and the content hash, so the rows are read once.
 * Candidates come from the indexed scope match and the include lists separately: an OR across
 * both would make the planner visit every user.
 * `perSubdivision` lists the countries whose rules are per subdivision (e.g. US states).
 */
export async function insertAffectedPeople(
  db: Db,
  p: {
    snapshotId: string;
    incidentId: string;
    scope: Scope;
    asOf: Date;
    minorAge: number;
    perSubdivision: string[];
    hasIncludeList: boolean;
    hasExcludeList: boolean;
    /** The channels an individual notice goes out on: a person with none of them is announcement only. */
    individualChannels: readonly string[];
  },
): Promise<ResolvedSnapshot> {
  const s = p.scope;
  const hasMatchers = s.data_categories.length > 0 || s.systems.length > 0;
  const matched = (column: 'data_categories' | 'systems', wanted: string[]) => matchedValues(db, column, [...new Set(wanted)]);
  const from = s.window?.from ?? null;
  const to = s.window?.to ?? null;
  // Each dimension given narrows the scope: data in one of the listed systems AND one of the listed categories.
  const byCategories = s.data_categories.length > 0 ? db`u.data_categories && ${s.data_categories}::text[]` : db`true`;
  const bySystems = s.systems.length > 0 ? db`u.systems && ${s.systems}::text[]` : db`true`;
  const matches = db`
    ${hasMatchers} and ${byCategories} and ${bySystems}
    and (cardinality(${s.regions}::text[]) = 0 or u.country = any(${s.regions}::text[]) or u.subdivision = any(${s.regions}::text[]))
    and u.account_status = any(${s.account_statuses}::text[])
    and (${to}::timestamptz is null or u.created_at <= ${to}::timestamptz)
    and (${from}::timestamptz is null or u.deleted_at is null or u.deleted_at >= ${from}::timestamptz)`;
  // Without include lists the scope match alone picks the people, straight from the indexes.
  const candidates = p.hasIncludeList
    ? db`
      candidates as (
        select u.*, c.included from (
          select id, bool_or(included) as included from (
            select u.id, true as included from directory_users u where u.external_id = any(${s.include_ids}::text[])
            union all
            select u.id, true from incident_scope_ids i join directory_users u on u.external_id = i.external_id
            where i.incident_id = ${p.incidentId} and i.list = 'include'
            union all
            select u.id, false from directory_users u where ${matches}
          ) l group by id
        ) c join directory_users u on u.id = c.id
      ),`
    : db`
      candidates as (
        select u.*, false as included from directory_users u where ${matches}
      ),`;
  const byCategory = s.data_categories.length
    ? db`jsonb_strip_nulls(jsonb_build_object(${s.data_categories.flatMap((c, i) => [
        ...(i ? [db`,`] : []),
        db`${c}::text, nullif(count(*) filter (where ${c}::text = any(matched_categories)), 0)::int`,
      ])}))`
    : db`'{}'::jsonb`;
  // Runs inside the resolution's transaction. JIT compiling the statement costs more than it saves
  // at these sizes, and the inserted rows are read again for the totals and the hash: room for
  // them in memory keeps those reads off temporary files.
  await db`set local jit = off`;
  await db`set local work_mem = '64MB'`;
  const [row] = await db<{ summary: Partial<SnapshotSummary>; content_hash: string }[]>`
    with ${candidates}
    ins as (
      insert into affected_people (snapshot_id, user_id, external_id, jurisdiction, country, subdivision, account_status,
        minor, guardian_missing, recipient, recipient_name, email, phone, postal_address, locale, channels,
        announcement_only, matched_categories, matched_systems, included_by_list, channel_rejections)
      select ${p.snapshotId}, u.id, u.external_id,
        case when u.subdivision is not null and u.country = any(${p.perSubdivision}::text[]) then u.subdivision else u.country end,
        u.country, u.subdivision, u.account_status,
        m.minor, m.minor and r.email is null and r.phone is null,
        case when m.minor then 'guardian' else 'self' end,
        r.name, r.email, r.phone, u.postal_address, u.locale,
        ch.channels, not (ch.channels && ${p.individualChannels as string[]}::text[]),
        ${matched('data_categories', s.data_categories)},
        ${matched('systems', s.systems)},
        u.included,
        ${db.unsafe(letterRejection('lp.letter_problem'))}
      from candidates u
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
      cross join lateral (select ${db.unsafe(letterProblem('u.postal_address'))} as letter_problem) lp
      cross join lateral (
        select array_remove(array[${db.unsafe(channelCases('r.email', 'r.phone', 'u.postal_address', 'lp.letter_problem'))}], null) as channels
      ) ch
      where not (u.external_id = any(${s.exclude_ids}::text[]))
        ${p.hasExcludeList ? db`and not exists (select 1 from incident_scope_ids e where e.incident_id = ${p.incidentId} and e.list = 'exclude' and e.external_id = u.external_id)` : db``}
      -- Only what the totals and the hash read: the rows are held in memory until both are done.
      returning external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing, recipient, email, phone,
        postal_address, channels, channel_rejections, announcement_only, matched_categories, matched_systems, included_by_list
    ),
    counted as (
      -- One pass for the three place counts: each grouping set leaves the other two columns null.
      select case when grouping(jurisdiction) = 0 then 'by_jurisdiction' when grouping(country) = 0 then 'by_country' else 'by_subdivision' end as k,
        coalesce(jurisdiction, country, subdivision) as v, count(*)::int as n
      from ins group by grouping sets ((jurisdiction), (country), (subdivision))
      having coalesce(jurisdiction, country, subdivision) is not null
    )
    select
      (select jsonb_build_object(
          'total', count(*)::int,
          'minors', count(*) filter (where minor)::int,
          'minors_without_guardian', count(*) filter (where guardian_missing)::int,
          'deleted_accounts', count(*) filter (where account_status = 'deleted')::int,
          'announcement_only', count(*) filter (where announcement_only)::int,
          'from_include_list', count(*) filter (where included_by_list)::int,
          -- A channel is in a person's list exactly when its contact detail is kept (see channelCases):
          -- counted from those, in the same pass, absent when none.
          'by_channel', jsonb_strip_nulls(jsonb_build_object(
            'email', nullif(count(email), 0)::int,
            'sms', nullif(count(phone), 0)::int,
            'voice', nullif(count(phone), 0)::int,
            'letter', nullif(count(*) filter (where 'letter' = any(channels)), 0)::int)),
          -- Channels refused at resolve time (a letter to an address without a country…), absent when none.
          'rejected_channels', jsonb_strip_nulls(jsonb_build_object(
            'letter', nullif(count(channel_rejections), 0)::int)),
          -- The matched categories are among the scope's few: counted in the same pass, absent when none.
          'by_data_category', ${byCategory}
        ) from ins)
      || coalesce((select jsonb_object_agg(k, m) from (select k, jsonb_object_agg(v, n) as m from counted group by k) g), '{}')
      as summary,
      (select encode(sha256(convert_to(coalesce(string_agg(concat_ws('|', external_id, jurisdiction, recipient, email, phone, postal_address::text,
          array_to_string(channels, ','), array_to_string(matched_categories, ','), array_to_string(matched_systems, ',')), E'\n' order by external_id collate "C"), ''), 'UTF8')), 'hex')
        from ins) as content_hash`;
  const summary = { by_jurisdiction: {}, by_country: {}, by_subdivision: {}, by_channel: {}, by_data_category: {}, rejected_channels: {}, ...row!.summary } as SnapshotSummary;
  return { summary, contentHash: row!.content_hash, rowCount: summary.total };
}

export async function finishSnapshot(db: Db, snapshotId: string, r: ResolvedSnapshot): Promise<void> {
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
  /** Channels refused at resolve time, with the field at fault; null when none. */
  channel_rejections: ChannelRejection[] | null;
  announcement_only: boolean;
  matched_categories: string[];
  matched_systems: string[];
  included_by_list: boolean;
}

export async function selectPeople(db: Db, snapshotId: string, after: string | null, limit: number): Promise<AffectedPersonRow[]> {
  return db<AffectedPersonRow[]>`
    select external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing, recipient, recipient_name,
      email, phone, postal_address, locale, channels, channel_rejections, announcement_only, matched_categories, matched_systems, included_by_list
    from affected_people
    where snapshot_id = ${snapshotId} ${after === null ? db`` : db`and external_id > ${after}`}
    order by external_id
    limit ${limit}`;
}

export async function selectPerson(db: Db, snapshotId: string, externalId: string): Promise<AffectedPersonRow | undefined> {
  const [row] = await db<AffectedPersonRow[]>`
    select external_id, jurisdiction, country, subdivision, account_status, minor, guardian_missing, recipient, recipient_name,
      email, phone, postal_address, locale, channels, channel_rejections, announcement_only, matched_categories, matched_systems, included_by_list
    from affected_people where snapshot_id = ${snapshotId} and external_id = ${externalId}`;
  return row;
}
