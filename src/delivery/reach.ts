// Who an individual notice can reach: the one definition the snapshot, the delivery run, the check and the announcement rule share.
import { deliveryChannels } from './ledger.js';

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
 * person (see reachCounts in ledger.ts).
 */
export interface ReachCounts {
  people: number;
  reachable: number;
  reached: number;
  in_flight: number;
  unknown: number;
  not_planned: number;
  announcement_only: number;
  no_channel: number;
}
