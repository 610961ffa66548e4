// Incidents: opening, reading, listing and changing them, each change recorded on the timeline.
import type { Db, Fragment } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, InvalidFactsError, InvalidTransitionError, NotFoundError, StaleVersionError } from '../errors.js';
import { canonicalJson } from '../lib/hash.js';
import { newId } from '../lib/ids.js';
import { checkFacts } from './facts.js';
import { canTransition, allowedTransitions, type Status } from './lifecycle.js';
import * as store from './store.js';
import { appendEvent, chainEvents, genesisHash, listEvents, verifyChain, type ChainVerification, type TimelineEvent, type TimelineEventInput } from './timeline.js';

export type { Incident, IncidentFields } from './store.js';
type Incident = store.Incident;

export interface Actor {
  id: string;
  name: string;
}

/** How an actor is named on the timeline. */
export const actorLabel = (a: Actor) => `${a.name} (${a.id})`;

type LaterFacts = 'determined_at' | 'assessment_completed_at' | 'materiality_determined_at' | 'individuals_notified_at' | 'disposal_ended_at' | 'assessment';

/** What opening an incident takes; the later clock anchors and the legal assessment usually come with later changes. */
export type NewIncident = Omit<store.IncidentFields, 'status' | 'closed_at' | LaterFacts> & Partial<Pick<store.IncidentFields, LaterFacts>>;

/**
 * What another part of breachkit records with a new incident, in the statement that opens it:
 * timeline events chained after `incident.opened`, and a data-modifying statement of its own.
 */
export interface OpenedWith {
  events: TimelineEventInput[];
  statement: (db: Db, incidentId: string) => Fragment;
}

export async function openIncident(db: Db, input: NewIncident, actor: Actor, now: Date, alongside: readonly OpenedWith[] = []): Promise<Incident> {
  const incident: Incident = {
    determined_at: null,
    assessment_completed_at: null,
    materiality_determined_at: null,
    individuals_notified_at: null,
    disposal_ended_at: null,
    assessment: {},
    ...input,
    id: newId('inc', now),
    version: 1,
    status: 'detected',
    closed_at: null,
    created_at: now,
    updated_at: now,
    created_by: actor.id,
    timeline_seq: 0,
    timeline_head: genesisHash,
  };
  const problems = checkFacts(incident, now);
  if (problems.length) throw new InvalidFactsError(problems);
  const opened: TimelineEventInput = { type: 'incident.opened', actor: actorLabel(actor), at: now, data: { facts: factsOf(incident) } };
  const events = chainEvents(incident.id, { seq: 0, hash: genesisHash }, [opened, ...alongside.flatMap((a) => a.events)]);
  const head = events.at(-1)!;
  const stored = { ...incident, timeline_seq: head.seq, timeline_head: head.hash };
  await store.insertIncident(db, stored, events, alongside.map((a) => a.statement(db, incident.id)));
  return stored;
}

export async function getIncident(db: Db, id: string): Promise<Incident> {
  const incident = await store.selectIncident(db, id);
  if (!incident) throw new NotFoundError('incident', id);
  return incident;
}

export type IncidentPatch = Partial<store.IncidentFields>;

/**
 * A check another part of breachkit places on a status change (e.g. no `monitoring` while a
 * required public announcement is missing): the reason it refuses, or null.
 */
export type TransitionGuard = (db: Db, incident: Incident, to: Status) => Promise<string | null>;

/** Applies a patch to the version the caller saw; a newer stored version refuses it. */
export async function updateIncident(
  db: Db,
  id: string,
  patch: IncidentPatch,
  expectedVersion: number,
  actor: Actor,
  now: Date,
  guards: readonly TransitionGuard[] = [],
): Promise<Incident> {
  return inTransaction(db, async (tx) => {
    const current = await store.selectIncident(tx, id, true);
    if (!current) throw new NotFoundError('incident', id);
    if (current.version !== expectedVersion) throw new StaleVersionError(current.version);

    const next: Incident = { ...current, ...withoutUndefined(patch) };
    const statusChanged = patch.status !== undefined && patch.status !== current.status;
    if (statusChanged) {
      if (!canTransition(current.status, next.status)) throw new InvalidTransitionError(current.status, next.status, allowedTransitions(current.status));
      for (const guard of guards) {
        const refusal = await guard(tx, current, next.status);
        if (refusal) throw new ConflictError(refusal);
      }
      if (next.status === 'closed' && patch.closed_at === undefined) next.closed_at = now;
      if (current.status === 'closed' && patch.closed_at === undefined) next.closed_at = null;
    }
    const problems = checkFacts(next, now);
    if (problems.length) throw new InvalidFactsError(problems);

    const changes = diffFacts(factsOf(current), factsOf(next));
    if (Object.keys(changes).length === 0) return current;
    next.version = current.version + 1;
    next.updated_at = now;
    await store.updateIncident(tx, next);
    let head = await appendEvent(tx, id, { type: 'incident.updated', actor: actorLabel(actor), at: now, data: { version: next.version, changes } });
    if (statusChanged) {
      head = await appendEvent(tx, id, { type: 'incident.status_changed', actor: actorLabel(actor), at: now, data: { from: current.status, to: next.status } });
    }
    return { ...next, timeline_seq: head.seq, timeline_head: head.hash };
  });
}

export interface ListResult {
  incidents: Incident[];
  next: { created_at: Date; id: string } | null;
}

export async function listIncidents(db: Db, filter: Omit<store.ListFilter, 'limit'> & { limit: number }): Promise<ListResult> {
  const rows = await store.selectIncidents(db, { ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { incidents: page, next: rows.length > filter.limit && last ? { created_at: last.created_at, id: last.id } : null };
}

export async function getTimeline(db: Db, id: string): Promise<{ events: TimelineEvent[]; verification: ChainVerification }> {
  const incident = await getIncident(db, id);
  const events = await listEvents(db, id);
  const verification = verifyChain(events, { seq: incident.timeline_seq, hash: incident.timeline_head });
  return { events, verification };
}

/** The responder-written facts, as plain JSON values. */
export function factsOf(i: Incident): Record<string, unknown> {
  const { id: _id, version: _v, created_at: _c, updated_at: _u, created_by: _b, timeline_seq: _s, timeline_head: _h, ...facts } = i;
  return JSON.parse(JSON.stringify(facts)) as Record<string, unknown>;
}

function diffFacts(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (canonicalJson(before[key] ?? null) !== canonicalJson(after[key] ?? null)) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return changes;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { Status };

/** Lets other parts of breachkit (snapshots, notices, deliveries…) write to an incident's timeline. */
export function recordEvent(db: Db, incidentId: string, type: string, actor: Actor, at: Date, data: Record<string, unknown>): Promise<TimelineEvent> {
  return appendEvent(db, incidentId, { type, actor: actorLabel(actor), at, data });
}
