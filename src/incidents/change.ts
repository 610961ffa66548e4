// Changing an incident together with the deadlines the change moves, as one transaction: used by the API and the console.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { StaleVersionError } from '../errors.js';
import { diffObligations, incidentObligations } from '../obligations/service.js';
import { recordEvent, updateIncident, type Actor, type Incident, type IncidentPatch, type TransitionGuard } from './service.js';

/**
 * Applies a change to the version the caller read. The obligations before and after are computed in the
 * same transaction, so a deadline that moves because a fact changed is recorded on the timeline with the
 * change that moved it.
 */
export async function changeIncident(
  db: Db,
  id: string,
  patch: IncidentPatch,
  /** The version read, or a choice made against the current one (If-Match lists and `*`). */
  expected: number | ((currentVersion: number) => number),
  actor: Actor,
  now: Date,
  guards: readonly TransitionGuard[],
): Promise<Incident> {
  return inTransaction(db, async (tx) => {
    const before = await incidentObligations(tx, id, now);
    const expectedVersion = typeof expected === 'number' ? expected : expected(before.incident_version);
    if (before.incident_version !== expectedVersion) throw new StaleVersionError(before.incident_version);
    const updated = await updateIncident(tx, id, patch, expectedVersion, actor, now, guards);
    if (updated.version === before.incident_version) return updated;
    const after = await incidentObligations(tx, id, now);
    const changes = diffObligations(before.obligations, after.obligations);
    if (!changes.length) return updated;
    const event = await recordEvent(tx, id, 'obligations.changed', actor, now, { version: updated.version, changes });
    return { ...updated, timeline_seq: event.seq, timeline_head: event.hash };
  });
}
