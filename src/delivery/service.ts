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
import { snapshotReach, type ReachCounts } from './reach.js';

export type { RunRow } from './ledger.js';

/**
 * Plans (or re-plans, filling gaps) the ledger for the newest approved notice and the current snapshot.
 * `channelOrder` (the company's DELIVERY_CHANNEL_ORDER) is kept on a new run; a re-plan keeps the run's own.
 */
export async function startDeliveries(db: Db, incidentId: string, actor: Actor, now: Date, channelOrder?: readonly string[]): Promise<ledger.RunRow & { reach: ReachCounts }> {
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
    // A completed run given new rows (a re-plan after a scope change) runs again.
    if (run.status === 'completed') await tx`update delivery_runs set status = 'running' where id = ${run.id}`;
    const planned = await ledger.planDeliveries(tx, run, now);
    await recordEvent(tx, incidentId, 'delivery.planned', actor, now, {
      run_id: run.id,
      notice_version: notice.version,
      snapshot_version: snapshot.version,
      rows_added: planned.inserted,
      announcement_only: planned.reach.announcement_only,
      no_channel: planned.reach.no_channel,
      channel_order: run.channel_order,
      inapp: run.inapp,
    });
    const [fresh] = await tx<ledger.RunRow[]>`select r.*, i.drill from delivery_runs r join incidents i on i.id = r.incident_id where r.id = ${run.id}`;
    return { run: { ...fresh!, reach: planned.reach }, inserted: planned.inserted };
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
    const [run] = await tx<ledger.RunRow[]>`
      select r.*, i.drill from delivery_runs r join incidents i on i.id = r.incident_id
      where r.id = ${runId} and r.incident_id = ${incidentId} for update of r`;
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
  /** Rows held after a send nobody could confirm: each waits for a person to settle it. */
  unknown: number;
  /** Seconds until the queue is empty at that rate; null while nothing moves. */
  eta_seconds: number | null;
}

/** Counts of reach kept between calls (the progress stream), each reused for `maxAgeMs`: over a large snapshot they take a while. */
export interface ReachCache {
  maxAgeMs: number;
  entries: Map<string, { at: number; value: Promise<ReachCounts> }>;
}

export async function listRuns(db: Db, incidentId: string, now: Date, cache?: ReachCache): Promise<(ledger.RunRow & RunProgress)[]> {
  await getIncident(db, incidentId);
  const runs = await db<ledger.RunRow[]>`
    select r.*, i.drill from delivery_runs r join incidents i on i.id = r.incident_id where r.incident_id = ${incidentId} order by r.created_at`;
  // Announcement only is a count per snapshot (a person is reached by any run of it), the same the check gives.
  const reach = new Map<string, Promise<ReachCounts>>();
  for (const r of runs) {
    if (reach.has(r.snapshot_id)) continue;
    const kept = cache?.entries.get(r.snapshot_id);
    if (kept && now.getTime() - kept.at < cache!.maxAgeMs) {
      reach.set(r.snapshot_id, kept.value);
      continue;
    }
    const value = ledger.reachCounts(db, r.snapshot_id);
    cache?.entries.set(r.snapshot_id, { at: now.getTime(), value });
    reach.set(r.snapshot_id, value);
  }
  return Promise.all(
    runs.map(async (r) => {
      const pace = await ledger.runPace(db, r.id, now);
      const rate = pace.settled_last_minute / 60;
      return {
        ...r,
        announcement_only: (await reach.get(r.snapshot_id)!).announcement_only,
        counts: await ledger.runCounts(db, r.id),
        rate_per_second: Math.round(rate * 10) / 10,
        remaining: pace.remaining,
        unknown: pace.unknown,
        eta_seconds: pace.remaining === 0 ? 0 : rate > 0 ? Math.ceil(pace.remaining / rate) : null,
      };
    }),
  );
}

export interface UnknownDelivery {
  delivery_id: string;
  external_id: string;
  channel: string;
  attempts: number;
  lease_expired_at: Date | null;
}

export interface InvariantReport {
  /** What the counts rest on: the snapshot's runs, or before any run the one starting it now would plan. */
  reach_basis: ReachCounts['basis'];
  ok: boolean;
  people: number;
  reached: number;
  /** People with a notice queued or being sent (and none reached yet). */
  in_flight: number;
  /** People whose only open notice is held after a send nobody could confirm. */
  unknown: number;
  /** People a channel can still reach but with no notice planned yet (no run for this snapshot). */
  not_planned: number;
  /** People no individual channel can reach any more: the public announcement covers them once published. */
  covered_by_announcement: number;
  /** Of those, the ones who never had a usable contact. */
  no_channel: number;
  /** Covered by an announcement that is not published yet. */
  uncovered: number;
  /** Rows still `sending` after their lease ran out: being settled by the rules for unknown outcomes. */
  stuck_sending: number;
  announcement_required: boolean;
  announcement_published: boolean;
  /** The held rows (the first 100), each to settle through POST …/deliveries/unknown/{delivery}. */
  unknown_deliveries: UnknownDelivery[];
}

/**
 * The snapshot a check or the announcement rule reads and the counts of reach for it; null before any
 * snapshot. `channelOrder` (DELIVERY_CHANNEL_ORDER) stands for the run until one is started.
 */
async function currentReach(db: Db, incidentId: string, channelOrder?: readonly string[]): Promise<{ snapshotId: string; reach: ReachCounts } | null> {
  const snapshot = await latestSnapshotOrNull(db, incidentId);
  return snapshot ? { snapshotId: snapshot.id, reach: await snapshotReach(db, { incidentId, snapshotId: snapshot.id, channelOrder }) } : null;
}

/**
 * Every person in the snapshot has an accepted, delivered or captured notice, or is left to the
 * announcement (no channel, or every channel failed) — and the announcement is published; nothing is
 * queued, sending, held as unknown or not yet planned.
 */
export async function checkInvariant(db: Db, incidentId: string, now: Date, threshold = Number.POSITIVE_INFINITY, channelOrder?: readonly string[]): Promise<InvariantReport> {
  const snapshot = await currentSnapshot(db, incidentId);
  const reach = await snapshotReach(db, { incidentId, snapshotId: snapshot.id, channelOrder });
  const stuck = await ledger.expiredSending(db, snapshot.id, now);
  const unknownRows = await ledger.unknownDeliveries(db, snapshot.id, 100);
  const published = await hasPublishedAnnouncement(db, incidentId);
  const required = requirementOf(reach, threshold).required;
  const uncovered = published ? 0 : reach.announcement_only;
  return {
    reach_basis: reach.basis,
    ok: uncovered === 0 && reach.in_flight === 0 && reach.unknown === 0 && reach.not_planned === 0 && stuck === 0 && (published || !required),
    people: reach.people,
    reached: reach.reached,
    in_flight: reach.in_flight,
    unknown: reach.unknown,
    not_planned: reach.not_planned,
    covered_by_announcement: reach.announcement_only,
    no_channel: reach.no_channel,
    uncovered,
    stuck_sending: stuck,
    announcement_required: required,
    announcement_published: published,
    unknown_deliveries: unknownRows,
  };
}

export interface AnnouncementRequirement {
  required: boolean;
  reasons: string[];
}

function requirementOf(reach: ReachCounts, threshold: number): AnnouncementRequirement {
  const reasons: string[] = [];
  if (reach.announcement_only > 0) {
    const failed = reach.announcement_only - reach.no_channel;
    reasons.push(
      `${reach.announcement_only} affected people have no individual channel that can still reach them (${reach.no_channel} with no usable contact, ${failed} after every channel failed)`,
    );
  }
  if (reach.people > threshold) reasons.push(`${reach.people} affected people is more than the ${threshold} to be told one by one`);
  return { required: reasons.length > 0, reasons };
}

/**
 * Policy IV(v): a public announcement where individual notice is impractical — anyone left without an
 * individual channel that can still succeed, or more people than `threshold` to reach one by one.
 * The counts are the ones the snapshot, the run and the check show.
 */
export async function announcementRequirement(db: Db, incidentId: string, threshold: number, channelOrder?: readonly string[]): Promise<AnnouncementRequirement> {
  const current = await currentReach(db, incidentId, channelOrder);
  return current ? requirementOf(current.reach, threshold) : { required: false, reasons: [] };
}

/** The guard on the incident lifecycle: no `monitoring` while a required announcement is unpublished. */
export function announcementGuard(threshold: number, channelOrder?: readonly string[]): TransitionGuard {
  return async (db, incident, to) => {
    if (to !== 'monitoring') return null;
    const need = await announcementRequirement(db, incident.id, threshold, channelOrder);
    if (!need.required) return null;
    return (await hasPublishedAnnouncement(db, incident.id)) ? null : `a public announcement is required before monitoring (${need.reasons.join('; ')}); publish it first`;
  };
}

export type UnknownSettlement = { action: 'resend'; reason?: string | undefined } | { action: 'mark_sent'; reason: string };

export interface DeliveryProof extends ledger.DeliveryProofRow {
  /** Attempts whose outcome nobody could confirm at the time, and how each was settled. */
  unconfirmed_attempts: ledger.UnconfirmedAttempt[];
}

export async function deliveryProof(db: Db, incidentId: string, deliveryId: string): Promise<DeliveryProof> {
  await getIncident(db, incidentId);
  const row = await ledger.deliveryOf(db, incidentId, deliveryId);
  if (!row) throw new NotFoundError('delivery', deliveryId);
  return { ...row, unconfirmed_attempts: await ledger.unconfirmedAttempts(db, deliveryId) };
}

/**
 * Settles a row held as `unknown`: send it again (both attempts stay in the proof), or record it as sent
 * with the reason the person has (e.g. the provider's dashboard lists it). Either way on the timeline.
 */
export async function settleUnknown(db: Db, incidentId: string, deliveryId: string, how: UnknownSettlement, actor: Actor, now: Date): Promise<DeliveryProof> {
  await inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const row = await ledger.deliveryOf(tx, incidentId, deliveryId, true);
    if (!row) throw new NotFoundError('delivery', deliveryId);
    if (row.state !== 'unknown') throw new ConflictError(`delivery ${deliveryId} is ${row.state}, not unknown: only a held row is settled by hand`);
    const by = `${actor.name} (${actor.id})`;
    if (how.action === 'resend') {
      await ledger.requeue(tx, [deliveryId], { notBefore: now, errorCode: 'outcome_unknown_resent', refundAttempt: false, now, from: 'unknown' });
      await ledger.reopenRun(tx, deliveryId);
      await ledger.closeHeldAttempt(tx, deliveryId, { resolution: 'resent', settledBy: by, reason: how.reason ?? null, now });
    } else {
      await ledger.markSentByHand(tx, deliveryId, now);
      await ledger.closeHeldAttempt(tx, deliveryId, { resolution: 'marked_sent', settledBy: by, reason: how.reason, now });
    }
    await recordEvent(tx, incidentId, 'delivery.unknown_settled', actor, now, {
      delivery_id: deliveryId,
      external_id: row.external_id,
      channel: row.channel,
      action: how.action,
      reason: how.reason ?? null,
    });
  });
  return deliveryProof(db, incidentId, deliveryId);
}
