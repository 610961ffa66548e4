// The incident timeline: append-only events, each carrying the hash of the one before it.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { NotFoundError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../lib/hash.js';

export const genesisHash = '0'.repeat(64);

export interface TimelineEventInput {
  type: string;
  actor: string;
  at: Date;
  data: Record<string, unknown>;
}

export interface TimelineEvent extends TimelineEventInput {
  incident_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
}

export function eventHash(e: Omit<TimelineEvent, 'hash'>): string {
  return sha256Hex(
    canonicalJson({ incident_id: e.incident_id, seq: e.seq, at: e.at.toISOString(), actor: e.actor, type: e.type, data: e.data, prev_hash: e.prev_hash }),
  );
}

/**
 * The events that follow `prev` in an incident's chain, computed without touching the database: for
 * writers that already hold the incident (it was just created, or is locked), so several events can be
 * stored in one statement.
 */
export function chainEvents(incidentId: string, prev: { seq: number; hash: string }, inputs: TimelineEventInput[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let last = prev;
  for (const input of inputs) {
    // Round-trip the data through JSON so the hash covers exactly what jsonb will hand back.
    const data = JSON.parse(JSON.stringify(input.data)) as Record<string, unknown>;
    const event = { incident_id: incidentId, seq: last.seq + 1, at: input.at, actor: input.actor, type: input.type, data, prev_hash: last.hash };
    const full = { ...event, hash: eventHash(event) };
    out.push(full);
    last = full;
  }
  return out;
}

/** The rows of `timeline_events` for several chained events, as one jsonb array for a single insert. */
export function eventRecords(events: TimelineEvent[]): Record<string, unknown>[] {
  return events.map((e) => ({ incident_id: e.incident_id, seq: e.seq, at: e.at.toISOString(), actor: e.actor, type: e.type, data: e.data, prev_hash: e.prev_hash, hash: e.hash }));
}

/**
 * Appends one event. The incident row is locked for the length of the transaction, so
 * concurrent writers queue up and the chain never forks.
 */
export async function appendEvent(db: Db, incidentId: string, input: TimelineEventInput): Promise<TimelineEvent> {
  return inTransaction(db, async (tx) => {
    const [head] = await tx<{ timeline_seq: number; timeline_head: string }[]>`
      select timeline_seq, timeline_head from incidents where id = ${incidentId} for update`;
    if (!head) throw new NotFoundError('incident', incidentId);
    const [event] = chainEvents(incidentId, { seq: head.timeline_seq, hash: head.timeline_head }, [input]);
    await tx`
      insert into timeline_events (incident_id, seq, at, actor, type, data, prev_hash, hash)
      values (${incidentId}, ${event!.seq}, ${event!.at}, ${event!.actor}, ${event!.type}, ${tx.json(event!.data as never)}, ${event!.prev_hash}, ${event!.hash})`;
    await tx`update incidents set timeline_seq = ${event!.seq}, timeline_head = ${event!.hash} where id = ${incidentId}`;
    return event!;
  });
}

export async function listEvents(db: Db, incidentId: string): Promise<TimelineEvent[]> {
  return db<TimelineEvent[]>`
    select incident_id, seq, at, actor, type, data, prev_hash, hash
    from timeline_events where incident_id = ${incidentId} order by seq`;
}

export interface ChainProblem {
  seq: number;
  reason: 'hash_mismatch' | 'broken_link' | 'gap' | 'head_mismatch';
  detail: string;
}

export interface ChainVerification {
  valid: boolean;
  events_checked: number;
  head_hash: string;
  problems: ChainProblem[];
}

/** Recomputes every hash and link; also checks that the incident's recorded head is the last event. */
export function verifyChain(
  events: TimelineEvent[],
  recordedHead: { seq: number; hash: string },
): ChainVerification {
  const problems: ChainProblem[] = [];
  let prevHash = genesisHash;
  let expectedSeq = 1;
  for (const e of events) {
    if (e.seq !== expectedSeq) problems.push({ seq: e.seq, reason: 'gap', detail: `expected event ${expectedSeq}, found ${e.seq}` });
    if (e.prev_hash !== prevHash) problems.push({ seq: e.seq, reason: 'broken_link', detail: 'prev_hash does not match the previous event' });
    const recomputed = eventHash(e);
    if (recomputed !== e.hash) problems.push({ seq: e.seq, reason: 'hash_mismatch', detail: 'the event was altered after it was written' });
    prevHash = e.hash;
    expectedSeq = e.seq + 1;
  }
  const last = events.at(-1);
  if ((last?.seq ?? 0) !== recordedHead.seq || (last?.hash ?? genesisHash) !== recordedHead.hash) {
    problems.push({ seq: recordedHead.seq, reason: 'head_mismatch', detail: 'events are missing after the last one stored' });
  }
  return { valid: problems.length === 0, events_checked: events.length, head_hash: recordedHead.hash, problems };
}
