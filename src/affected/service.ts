// Scope → affected snapshot: who an incident touches, why, and how each person can be told.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { InvalidFactsError, NotFoundError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { getIncident, recordEvent, type Actor } from '../incidents/service.js';
import { individualChannels, snapshotReachOfPeople } from '../delivery/reach.js';
import type { Scope } from './schema.js';
import { csvRows } from '../lib/csv.js';
import * as store from './store.js';

export type { SnapshotRow, AffectedPersonRow } from './store.js';

/** Policy VI: anyone under 14 is a child; their notice goes to a parent or guardian. */
export const minorAge = 14;

/** Countries whose breach rules differ by state or province: a person there is judged by their subdivision. */
export const subdivisionJurisdictions = ['US', 'CA', 'AU'];

export async function setScope(db: Db, incidentId: string, scope: Scope, actor: Actor, now: Date): Promise<Scope> {
  if (scope.data_categories.length === 0 && scope.systems.length === 0 && scope.include_ids.length === 0) {
    const lists = await store.countScopeLists(db, incidentId);
    if (lists.include === 0) {
      throw new InvalidFactsError([{ field: 'data_categories', message: 'a scope needs data categories, systems or an include list; it would otherwise match nobody' }]);
    }
  }
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const before = await store.selectScope(tx, incidentId);
    await store.upsertScope(tx, incidentId, scope, now, actor.id);
    await recordEvent(tx, incidentId, 'scope.set', actor, now, { scope, previous: before?.scope ?? null });
    return scope;
  });
}

export async function getScope(db: Db, incidentId: string): Promise<{ scope: Scope; lists: { include: number; exclude: number } } | undefined> {
  await getIncident(db, incidentId);
  const found = await store.selectScope(db, incidentId);
  if (!found) return undefined;
  return { scope: found.scope, lists: await store.countScopeLists(db, incidentId) };
}

/** An uploaded list's ids: one per line, blanks and repeats dropped; `tooLong` is the position (from 1, among the distinct ids) of the first id over 200 characters. */
export function parseIdList(text: string): { ids: string[]; tooLong: number | null } {
  const ids = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
  const bad = ids.findIndex((x) => x.length > 200);
  return { ids, tooLong: bad >= 0 ? bad + 1 : null };
}

export async function replaceScopeList(db: Db, incidentId: string, list: 'include' | 'exclude', ids: string[], actor: Actor, now: Date): Promise<number> {
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const count = await store.replaceScopeList(tx, incidentId, list, ids);
    await recordEvent(tx, incidentId, 'scope.list_replaced', actor, now, { list, ids: count });
    return count;
  });
}

/**
 * Freezes the current scope into a new snapshot version. The incident row lock taken by the
 * timeline append serialises concurrent resolutions of the same incident.
 */
export async function resolveSnapshot(db: Db, incidentId: string, actor: Actor, now: Date): Promise<store.SnapshotRow> {
  return inTransaction(db, async (tx) => {
    const scoped = await store.selectScope(tx, incidentId);
    if (!scoped) throw new NotFoundError('scope of incident', incidentId);
    await tx`select 1 from incidents where id = ${incidentId} for update`;
    const previous = await store.latestSnapshot(tx, incidentId);
    const id = newId('snap', now);
    const version = (previous?.version ?? 0) + 1;
    await store.insertSnapshotHeader(tx, { id, incidentId, version, scope: scoped.scope, at: now, by: actor.id });
    const lists = await store.countScopeLists(tx, incidentId);
    const computed = await store.insertAffectedPeople(tx, {
      snapshotId: id,
      incidentId,
      scope: scoped.scope,
      asOf: now,
      minorAge,
      perSubdivision: subdivisionJurisdictions,
      hasIncludeList: scoped.scope.include_ids.length > 0 || lists.include > 0,
      hasExcludeList: lists.exclude > 0,
      individualChannels,
    });
    await store.finishSnapshot(tx, id, computed);
    const diff = previous ? await store.diffSnapshots(tx, previous.id, id, 100) : null;
    await recordEvent(tx, incidentId, 'affected.resolved', actor, now, {
      snapshot_id: id,
      version,
      row_count: computed.rowCount,
      content_hash: computed.contentHash,
      previous_version: previous?.version ?? null,
      diff,
    });
    return { id, incident_id: incidentId, version, scope: scoped.scope, row_count: computed.rowCount, content_hash: computed.contentHash, summary: computed.summary, created_at: now, created_by: actor.id };
  });
}

export async function currentSnapshot(db: Db, incidentId: string): Promise<store.SnapshotRow> {
  await getIncident(db, incidentId);
  const snap = await store.latestSnapshot(db, incidentId);
  if (!snap) throw new NotFoundError('affected snapshot of incident', incidentId);
  return snap;
}

/** The cheap read the obligations engine uses: counts only, from the stored summary. */
export async function currentSummary(db: Db, incidentId: string): Promise<store.SnapshotRow | undefined> {
  return store.latestSnapshot(db, incidentId);
}

export async function listSnapshots(db: Db, incidentId: string): Promise<store.SnapshotRow[]> {
  await getIncident(db, incidentId);
  return store.selectSnapshots(db, incidentId);
}

export interface SnapshotDiff {
  from: number;
  to: number;
  added: number;
  removed: number;
  /** Up to the sample asked for, by external id. */
  added_ids: string[];
  removed_ids: string[];
}

/** Who is in one snapshot version and not the other (the same comparison a resolution records on the timeline). */
export async function diffSnapshotVersions(db: Db, incidentId: string, from: number, to: number, sample: number): Promise<SnapshotDiff> {
  const all = await listSnapshots(db, incidentId);
  const older = all.find((s) => s.version === from);
  const newer = all.find((s) => s.version === to);
  if (!older) throw new NotFoundError('affected snapshot version', `${incidentId}/${from}`);
  if (!newer) throw new NotFoundError('affected snapshot version', `${incidentId}/${to}`);
  return { from, to, ...(await store.diffSnapshots(db, older.id, newer.id, sample)) };
}

/**
 * The snapshot as CSV, one row per person, read a thousand at a time while it is sent. Each person's
 * `reach` (and `announcement_only` from it) is their class in the snapshot's counts of reach, on the
 * basis the snapshot route shows with the same channel order.
 */
export function affectedCsv(db: Db, snap: Pick<store.SnapshotRow, 'id' | 'incident_id'>, channelOrder: readonly string[]): ReadableStream<Uint8Array> {
  const snapshotId = snap.id;
  let after: string | null = null;
  let headerSent = false;
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvRows([affectedCsvHeader])));
        return;
      }
      const rows = await store.selectPeople(db, snapshotId, after, 1000);
      if (rows.length === 0) return controller.close();
      after = rows.at(-1)!.external_id;
      const { people: reach } = await snapshotReachOfPeople(db, { incidentId: snap.incident_id, snapshotId, channelOrder, externalIds: rows.map((p) => p.external_id) });
      controller.enqueue(
        encoder.encode(
          csvRows(
            rows.map((p) => [p.external_id, p.jurisdiction, p.country, p.subdivision, p.account_status, p.minor, p.guardian_missing, p.recipient, p.recipient_name, p.email, p.phone, p.locale, p.channels.join(';'), reach.get(p.external_id) === 'announcement_only', p.matched_categories.join(';'), p.matched_systems.join(';'), p.included_by_list, (p.channel_rejections ?? []).map((r) => `${r.channel}:${r.field}`).join(';'), reach.get(p.external_id)]),
          ),
        ),
      );
    },
  });
}

const affectedCsvHeader = ['external_id', 'jurisdiction', 'country', 'subdivision', 'account_status', 'minor', 'guardian_missing', 'recipient', 'recipient_name', 'email', 'phone', 'locale', 'channels', 'announcement_only', 'matched_categories', 'matched_systems', 'included_by_list', 'channel_rejections', 'reach'];

/** The headers a CSV download of a snapshot carries. */
export const affectedCsvHeaders = (snap: store.SnapshotRow) => ({
  'content-type': 'text/csv; charset=utf-8',
  'content-disposition': `attachment; filename="${snap.incident_id}-affected-v${snap.version}.csv"`,
  'x-snapshot-version': String(snap.version),
  'x-content-hash': snap.content_hash,
});

export function pagePeople(db: Db, snapshotId: string, after: string | null, limit: number): Promise<store.AffectedPersonRow[]> {
  return store.selectPeople(db, snapshotId, after, limit);
}

/** One person of the incident's current snapshot. */
export async function findAffectedPerson(db: Db, incidentId: string, externalId: string): Promise<store.AffectedPersonRow> {
  const snap = await currentSnapshot(db, incidentId);
  const person = await store.selectPerson(db, snap.id, externalId);
  if (!person) throw new NotFoundError('affected person', externalId);
  return person;
}
