// SQL for incidents.
import type { Db, Fragment } from '../db/client.js';
import type { EstimatedAffected, Measure } from './facts.js';
import type { Status } from './lifecycle.js';
import { eventRecords, type TimelineEvent } from './timeline.js';
import type { Assessment, Nature, Severity } from './vocabulary.js';

export interface Remedy {
  description: string;
  url?: string | undefined;
}

/** The stored incident; field names are the API's. */
export interface Incident {
  id: string;
  version: number;
  status: Status;
  title: string;
  summary: string;
  nature: Nature;
  severity: Severity;
  drill: boolean;
  occurred_from: Date | null;
  occurred_to: Date | null;
  discovered_at: Date;
  aware_at: Date | null;
  contained_at: Date | null;
  closed_at: Date | null;
  determined_at: Date | null;
  assessment_completed_at: Date | null;
  materiality_determined_at: Date | null;
  individuals_notified_at: Date | null;
  disposal_ended_at: Date | null;
  /** Legal facts the regulator rules read (risk of harm, CAC grade…); absent keys are unknown. */
  assessment: Assessment;
  systems: string[];
  data_categories: string[];
  regions: string[];
  estimated_affected: EstimatedAffected | null;
  encrypted: boolean | null;
  measures: Measure[];
  remedies: Remedy[];
  created_at: Date;
  updated_at: Date;
  created_by: string;
  timeline_seq: number;
  timeline_head: string;
}

/** Fields a responder writes; the rest are kept by breachkit. */
export type IncidentFields = Omit<Incident, 'id' | 'version' | 'created_at' | 'updated_at' | 'created_by' | 'timeline_seq' | 'timeline_head'>;

const columns = `id, version, status, title, summary, nature, severity, drill, occurred_from, occurred_to, discovered_at,
  aware_at, contained_at, closed_at, determined_at, assessment_completed_at, materiality_determined_at,
  individuals_notified_at, disposal_ended_at, assessment, systems, data_categories, regions, estimated_affected, encrypted, measures, remedies,
  created_at, updated_at, created_by, timeline_seq, timeline_head`;

// Measures hold dates inside jsonb: revive them on the way out.
function revive(row: Incident): Incident {
  row.measures = (row.measures as unknown as { description: string; at: string; state: Measure['state'] }[]).map((m) => ({ ...m, at: new Date(m.at) }));
  return row;
}

const jsonb = (db: Db, v: unknown) => db.json(v as never);

/**
 * Writes a new incident, its first timeline events and whatever else was opened with it (each a
 * data-modifying statement given as a fragment) as one statement: one round trip, atomic without
 * a transaction of its own.
 */
export async function insertIncident(db: Db, i: Incident, events: TimelineEvent[], alongside: readonly Fragment[] = []): Promise<void> {
  const more = alongside.reduce((acc, f, n) => db`${acc}, ${db.unsafe(`alongside_${n}`)} as (${f})`, db``);
  await db`
    with incident as (
    insert into incidents (id, version, status, title, summary, nature, severity, drill, occurred_from, occurred_to,
      discovered_at, aware_at, contained_at, closed_at, determined_at, assessment_completed_at, materiality_determined_at,
      individuals_notified_at, disposal_ended_at, assessment, systems, data_categories, regions, estimated_affected, encrypted,
      measures, remedies, created_at, updated_at, created_by, timeline_seq, timeline_head)
    values (${i.id}, ${i.version}, ${i.status}, ${i.title}, ${i.summary}, ${i.nature}, ${i.severity}, ${i.drill},
      ${i.occurred_from}, ${i.occurred_to}, ${i.discovered_at}, ${i.aware_at}, ${i.contained_at}, ${i.closed_at},
      ${i.determined_at}, ${i.assessment_completed_at}, ${i.materiality_determined_at}, ${i.individuals_notified_at},
      ${i.disposal_ended_at}, ${jsonb(db, i.assessment)},
      ${i.systems}, ${i.data_categories}, ${i.regions}, ${i.estimated_affected === null ? null : jsonb(db, i.estimated_affected)},
      ${i.encrypted}, ${jsonb(db, i.measures)}, ${jsonb(db, i.remedies)}, ${i.created_at}, ${i.updated_at}, ${i.created_by},
      ${i.timeline_seq}, ${i.timeline_head})
    returning id),
    events as (
    insert into timeline_events (incident_id, seq, at, actor, type, data, prev_hash, hash)
    select incident.id, e.seq, e.at, e.actor, e.type, e.data, e.prev_hash, e.hash
    from incident, jsonb_to_recordset(${jsonb(db, eventRecords(events))})
      as e(seq int, at timestamptz, actor text, type text, data jsonb, prev_hash text, hash text))${more}
    select 1`;
}

export async function selectIncident(db: Db, id: string, forUpdate = false): Promise<Incident | undefined> {
  const rows = forUpdate
    ? await db<Incident[]>`select ${db.unsafe(columns)} from incidents where id = ${id} for update`
    : await db<Incident[]>`select ${db.unsafe(columns)} from incidents where id = ${id}`;
  return rows[0] ? revive(rows[0]) : undefined;
}

export async function updateIncident(db: Db, i: Incident): Promise<void> {
  await db`
    update incidents set version = ${i.version}, status = ${i.status}, title = ${i.title}, summary = ${i.summary},
      nature = ${i.nature}, severity = ${i.severity}, drill = ${i.drill}, occurred_from = ${i.occurred_from},
      occurred_to = ${i.occurred_to}, discovered_at = ${i.discovered_at}, aware_at = ${i.aware_at},
      contained_at = ${i.contained_at}, closed_at = ${i.closed_at}, determined_at = ${i.determined_at},
      assessment_completed_at = ${i.assessment_completed_at}, materiality_determined_at = ${i.materiality_determined_at},
      individuals_notified_at = ${i.individuals_notified_at}, disposal_ended_at = ${i.disposal_ended_at},
      assessment = ${jsonb(db, i.assessment)}, systems = ${i.systems},
      data_categories = ${i.data_categories}, regions = ${i.regions},
      estimated_affected = ${i.estimated_affected === null ? null : jsonb(db, i.estimated_affected)},
      encrypted = ${i.encrypted}, measures = ${jsonb(db, i.measures)}, remedies = ${jsonb(db, i.remedies)},
      updated_at = ${i.updated_at}
    where id = ${i.id}`;
}

export interface ListFilter {
  statuses?: Status[] | undefined;
  severities?: Severity[] | undefined;
  drill?: boolean | undefined;
  after?: { created_at: Date; id: string } | undefined;
  limit: number;
}

export async function selectIncidents(db: Db, f: ListFilter): Promise<Incident[]> {
  const rows = await db<Incident[]>`
    select ${db.unsafe(columns)} from incidents
    where true
      ${f.statuses ? db`and status = any(${f.statuses})` : db``}
      ${f.severities ? db`and severity = any(${f.severities})` : db``}
      ${f.drill === undefined ? db`` : db`and drill = ${f.drill}`}
      ${f.after ? db`and (created_at, id) < (${f.after.created_at}, ${f.after.id})` : db``}
    order by created_at desc, id desc
    limit ${f.limit}`;
  return rows.map(revive);
}
