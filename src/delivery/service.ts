// Delivery runs: plan the ledger from an approved notice and the current snapshot, control it, and check it.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { currentSnapshot, currentSummary as latestSnapshotOrNull } from '../affected/service.js';
import { getIncident, recordEvent, type Actor, type TransitionGuard } from '../incidents/service.js';
import { latestApprovedNotice } from '../notices/service.js';
import { hasPublishedAnnouncement } from '../announcements/service.js';
import * as ledger from './ledger.js';

export type { RunRow } from './ledger.js';

/**
 * Plans (or re-plans, filling gaps) the ledger for the newest approved notice and the current snapshot.
 * `channelOrder` (the company's DELIVERY_CHANNEL_ORDER) is kept on a new run; a re-plan keeps the run's own.
 */
export async function startDeliveries(db: Db, incidentId: string, actor: Actor, now: Date, channelOrder?: readonly string[]): Promise<ledger.RunRow> {
  await getIncident(db, incidentId);
  const notice = await latestApprovedNotice(db, incidentId);
  if (!notice) throw new ConflictError('no approved notice version: a second person must approve one before anything is sent');
  const snapshot = await currentSnapshot(db, incidentId);
  const run = await inTransaction(db, async (tx) => {
    const run = await ledger.insertRun(tx, {
      id: newId('run', now),
      incident_id: incidentId,
      notice_version_id: notice.id,
      snapshot_id: snapshot.id,
      status: 'running',
      planned: 0,
      announcement_only: 0,
      created_at: now,
      created_by: actor.id,
      channel_order: channelOrder ? [...channelOrder] : undefined,
      inapp: notice.inapp,
    });
    const planned = await ledger.planDeliveries(tx, run, now);
    await recordEvent(tx, incidentId, 'delivery.planned', actor, now, {
      run_id: run.id,
      notice_version: notice.version,
      snapshot_version: snapshot.version,
      rows_added: planned.inserted,
      announcement_only: planned.announcementOnly,
      channel_order: run.channel_order,
      inapp: run.inapp,
    });
    const [fresh] = await tx<ledger.RunRow[]>`select * from delivery_runs where id = ${run.id}`;
    return { run: fresh!, inserted: planned.inserted };
  });
  // A large plan changes the ledger's shape; without fresh statistics (autovacuum may be off or late) the
  // planner takes the queue for small and claims by reading every row of the run.
  if (run.inserted >= largePlan) await ledger.analyzeLedger(db);
  return run.run;
}

const largePlan = 10_000;

const transitions: Record<'pause' | 'resume' | 'cancel', { from: ledger.RunRow['status'][]; to: ledger.RunRow['status'] }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

export async function controlRun(db: Db, incidentId: string, runId: string, action: keyof typeof transitions, actor: Actor, now: Date): Promise<ledger.RunRow> {
  return inTransaction(db, async (tx) => {
    const [run] = await tx<ledger.RunRow[]>`select * from delivery_runs where id = ${runId} and incident_id = ${incidentId} for update`;
    if (!run) throw new NotFoundError('delivery run', runId);
    const t = transitions[action];
    if (!t.from.includes(run.status)) throw new ConflictError(`cannot ${action} a ${run.status} run`);
    await tx`update delivery_runs set status = ${t.to} where id = ${runId}`;
    if (action === 'cancel') {
      await tx`update deliveries set state = 'cancelled', updated_at = ${now} where run_id = ${runId} and state = 'queued'`;
    }
    await recordEvent(tx, incidentId, `delivery.${action === 'cancel' ? 'cancelled' : action === 'pause' ? 'paused' : 'resumed'}`, actor, now, { run_id: runId });
    return { ...run, status: t.to };
  });
}

export interface RunProgress {
  counts: { channel: string; state: string; n: number }[];
  /** Notices settled per second over the last minute. */
  rate_per_second: number;
  remaining: number;
  /** Seconds until the queue is empty at that rate; null while nothing moves. */
  eta_seconds: number | null;
}

export async function listRuns(db: Db, incidentId: string, now: Date): Promise<(ledger.RunRow & RunProgress)[]> {
  await getIncident(db, incidentId);
  const runs = await db<ledger.RunRow[]>`select * from delivery_runs where incident_id = ${incidentId} order by created_at`;
  return Promise.all(
    runs.map(async (r) => {
      const pace = await ledger.runPace(db, r.id, now);
      const rate = pace.settled_last_minute / 60;
      return {
        ...r,
        counts: await ledger.runCounts(db, r.id),
        rate_per_second: Math.round(rate * 10) / 10,
        remaining: pace.remaining,
        eta_seconds: pace.remaining === 0 ? 0 : rate > 0 ? Math.ceil(pace.remaining / rate) : null,
      };
    }),
  );
}

export interface InvariantReport {
  ok: boolean;
  people: number;
  reached: number;
  in_flight: number;
  covered_by_announcement: number;
  uncovered: number;
  stuck_sending: number;
  announcement_published: boolean;
}

/**
 * Every person in the snapshot has an accepted, delivered or captured notice, or is left to the
 * announcement (no channel, or every channel failed) — and the announcement is published.
 */
export async function checkInvariant(db: Db, incidentId: string, now: Date): Promise<InvariantReport> {
  const snapshot = await currentSnapshot(db, incidentId);
  const [row] = await db<Omit<InvariantReport, 'ok' | 'announcement_published' | 'uncovered'>[]>`
    with per_person as (
      select p.external_id,
        bool_or(d.state in ('accepted', 'delivered', 'captured')) as reached,
        bool_or(d.state in ('queued', 'sending')) as in_flight
      from affected_people p
      left join deliveries d on d.external_id = p.external_id
        and d.run_id in (select id from delivery_runs where snapshot_id = ${snapshot.id})
      where p.snapshot_id = ${snapshot.id}
      group by p.external_id
    )
    select count(*)::int as people,
      count(*) filter (where reached)::int as reached,
      count(*) filter (where not coalesce(reached, false) and coalesce(in_flight, false))::int as in_flight,
      count(*) filter (where not coalesce(reached, false) and not coalesce(in_flight, false))::int as covered_by_announcement,
      (select count(*)::int from deliveries where state = 'sending' and lease_until < ${now}
        and run_id in (select id from delivery_runs where snapshot_id = ${snapshot.id})) as stuck_sending
    from per_person`;
  const published = await hasPublishedAnnouncement(db, incidentId);
  const r = row!;
  const uncovered = published ? 0 : r.covered_by_announcement;
  return { ...r, uncovered, announcement_published: published, ok: uncovered === 0 && r.stuck_sending === 0 && r.in_flight === 0 };
}

export interface AnnouncementRequirement {
  required: boolean;
  reasons: string[];
}

/**
 * Policy IV(v): a public announcement where individual notice is impractical — people with no
 * channel, every channel failed, or more people than `threshold` to reach one by one.
 */
export async function announcementRequirement(db: Db, incidentId: string, threshold: number): Promise<AnnouncementRequirement> {
  const snapshot = await latestSnapshotOrNull(db, incidentId);
  if (!snapshot) return { required: false, reasons: [] };
  const reasons: string[] = [];
  if (snapshot.summary.announcement_only > 0) reasons.push(`${snapshot.summary.announcement_only} affected people have no usable contact`);
  if (snapshot.row_count > threshold) reasons.push(`${snapshot.row_count} affected people is more than the ${threshold} to be told one by one`);
  const [failed] = await db<{ n: number }[]>`
    select count(distinct d.external_id)::int as n from deliveries d
    join delivery_runs r on r.id = d.run_id and r.snapshot_id = ${snapshot.id}
    where d.state in ('failed', 'bounced', 'undeliverable')
      and not exists (select 1 from deliveries ok where ok.run_id = d.run_id and ok.external_id = d.external_id
        and ok.state in ('queued', 'sending', 'accepted', 'delivered', 'captured'))`;
  if (failed!.n > 0) reasons.push(`${failed!.n} people could not be reached on any channel`);
  return { required: reasons.length > 0, reasons };
}

/** The guard on the incident lifecycle: no `monitoring` while a required announcement is unpublished. */
export function announcementGuard(threshold: number): TransitionGuard {
  return async (db, incident, to) => {
    if (to !== 'monitoring') return null;
    const need = await announcementRequirement(db, incident.id, threshold);
    if (!need.required) return null;
    return (await hasPublishedAnnouncement(db, incident.id)) ? null : `a public announcement is required before monitoring (${need.reasons.join('; ')}); publish it first`;
  };
}
