// Who an individual notice can reach: the one definition the snapshot, the delivery run, the check and the announcement rule share.
import type { Db } from '../db/client.js';
import type { InappMode } from '../notices/content.js';
import { latestApprovedNotice } from '../notices/service.js';
import { deliveryChannels, reachCounts, reachOfPeople, type PersonReach } from './ledger.js';

export { personReaches, type PersonReach } from './ledger.js';

export { reachedStates, pendingStates, endedStates } from './ledger.js';

/**
 * The channels the ledger sends on. A person whose contact details give none of them is left to the
 * public announcement from the start; channels added to the ledger count here without another change.
 */
export const individualChannels: readonly string[] = deliveryChannels;

export const hasIndividualChannel = (channels: readonly string[]): boolean => channels.some((c) => individualChannels.includes(c));

/**
 * Per snapshot, each person is in exactly one of: reached; in flight (a row queued or sending);
 * unknown (a row held after an unconfirmed send); not yet planned (a channel can still succeed but no row
 * is out, e.g. before the run starts); announcement only (no individual channel left that can succeed:
 * none in their contact details, none the snapshot's runs send on, or every one ended). `no_channel` is
 * the part of announcement only that never had one. In-app counts where a run sends it and it reaches the
 * person (see reachCounts in ledger.ts, the one query behind every count).
 */
export interface ReachCounts {
  /** What the counts rest on (see ReachBasis). */
  basis: ReachBasis;
  people: number;
  reachable: number;
  reached: number;
  in_flight: number;
  unknown: number;
  not_planned: number;
  announcement_only: number;
  no_channel: number;
}

/**
 * Which channels the counts take as able to reach a person:
 * - `runs`: the channel order and in-app mode of the snapshot's delivery runs;
 * - `next_run`: no run yet — the company's channel order (DELIVERY_CHANNEL_ORDER) and the newest approved
 *   notice's in-app mode, exactly what starting the run now plans;
 * - `next_run_inapp_unknown`: no run and no approved notice yet — the channel order, with in-app counted only
 *   where the order names it (a notice sending in-app in addition to the first channel may reach more);
 * - `contact_details`: no run and no channel order given — every channel the person's contact details allow.
 */
export const reachBases = ['runs', 'next_run', 'next_run_inapp_unknown', 'contact_details'] as const;
export type ReachBasis = (typeof reachBases)[number];

/** The channel order and in-app mode a run started now would plan with (in-app mode null: no approved notice yet). */
export interface NextRunPlan {
  channelOrder: readonly string[];
  inapp: InappMode | null;
}

/**
 * The counts of reach for a snapshot as the snapshot route, the check route and the announcement rule show
 * them: over the snapshot's runs once there is one, and before that as the run started now would plan
 * (the company's channel order and the newest approved notice's in-app mode). The runs' own counts come
 * from the same query, so all of them agree for the same snapshot.
 */
export async function snapshotReach(db: Db, p: { incidentId: string; snapshotId: string; channelOrder?: readonly string[] }): Promise<ReachCounts> {
  return reachCounts(db, p.snapshotId, await nextRunPlan(db, p));
}

/**
 * Where each of these people of the snapshot stands, on the same basis as snapshotReach: the people it
 * puts in a class, over the whole snapshot, number what snapshotReach counts for that class.
 */
export async function snapshotReachOfPeople(
  db: Db,
  p: { incidentId: string; snapshotId: string; channelOrder?: readonly string[]; externalIds: readonly string[] },
): Promise<{ basis: ReachBasis; people: Map<string, PersonReach> }> {
  return reachOfPeople(db, p.snapshotId, p.externalIds, await nextRunPlan(db, p));
}

/** The run a start now would plan, where a channel order is given (the in-app mode from the newest approved notice). */
async function nextRunPlan(db: Db, p: { incidentId: string; channelOrder?: readonly string[] }): Promise<NextRunPlan | undefined> {
  if (!p.channelOrder) return undefined;
  const notice = await latestApprovedNotice(db, p.incidentId);
  return { channelOrder: p.channelOrder, inapp: notice?.inapp ?? null };
}
