// Checklists: runbooks attached to an incident, their steps completed or skipped by named key holders, each on the timeline.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, InvalidFactsError, NotAllowedError, NotFoundError } from '../errors.js';
import type { Role } from '../http/context.js';
import { actorLabel, getIncident, recordEvent, type Actor, type Incident } from '../incidents/service.js';
import { chainEvents, eventRecords } from '../incidents/timeline.js';
import { dueOf, runbooksForNature, type Runbook, type RunbookStep } from './parse.js';

export interface ChecklistItem {
  step_id: string;
  runbook: string;
  number: number;
  text: string;
  detail: string;
  role: RunbookStep['role'];
  state: 'open' | 'done' | 'skipped';
  note: string | null;
  changed_by: string | null;
  changed_at: Date | null;
  due_at: Date | null;
  waiting_on: string | null;
  overdue: boolean;
}

export async function attachRunbook(db: Db, runbooks: Map<string, Runbook>, incidentId: string, slug: string, how: 'automatic' | 'manual', actor: Actor, now: Date): Promise<Runbook> {
  const runbook = runbooks.get(slug);
  if (!runbook) throw new NotFoundError('runbook', slug);
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const inserted = await tx`
      insert into incident_runbooks (incident_id, slug, runbook_version, attached_at, attached_by, how)
      values (${incidentId}, ${slug}, ${runbook.version}, ${now}, ${actor.id}, ${how})
      on conflict do nothing returning slug`;
    if (inserted.length === 0) throw new ConflictError(`runbook ${slug} is already attached`);
    await tx`
      insert into checklist_steps (incident_id, slug, step_id, position, state)
      select ${incidentId}, ${slug}, s.id, s.position, 'open'
      from jsonb_to_recordset(${tx.json(runbook.steps.map((s) => ({ id: s.id, position: s.number })) as never)}::jsonb) as s(id text, position int)`;
    await recordEvent(tx, incidentId, 'runbook.attached', actor, now, { runbook: slug, version: runbook.version, how, steps: runbook.steps.length });
    return runbook;
  });
}

/**
 * Attaches every runbook written for the nature of an incident that was just opened in this
 * transaction, in one statement: the runbooks, their steps, their timeline events chained on from
 * the incident's head, and the new head. Returns the incident with its head moved on.
 */
export async function attachForNature(db: Db, runbooks: Map<string, Runbook>, incident: Incident, actor: Actor, now: Date): Promise<Incident> {
  const matching = runbooksForNature(runbooks, incident.nature);
  if (!matching.length) return incident;
  const events = chainEvents(
    incident.id,
    { seq: incident.timeline_seq, hash: incident.timeline_head },
    matching.map((r) => ({ type: 'runbook.attached', actor: actorLabel(actor), at: now, data: { runbook: r.slug, version: r.version, how: 'automatic', steps: r.steps.length } })),
  );
  const head = events.at(-1)!;
  const attached = matching.map((r) => ({ slug: r.slug, runbook_version: r.version }));
  const steps = matching.flatMap((r) => r.steps.map((s) => ({ slug: r.slug, step_id: s.id, position: s.number })));
  await db`
    with attached as (
      insert into incident_runbooks (incident_id, slug, runbook_version, attached_at, attached_by, how)
      select ${incident.id}, a.slug, a.runbook_version, ${now}, ${actor.id}, 'automatic'
      from jsonb_to_recordset(${db.json(attached as never)}::jsonb) as a(slug text, runbook_version text)
      returning slug),
    steps as (
      insert into checklist_steps (incident_id, slug, step_id, position, state)
      select ${incident.id}, s.slug, s.step_id, s.position, 'open'
      from jsonb_to_recordset(${db.json(steps as never)}::jsonb) as s(slug text, step_id text, position int)
      where s.slug in (select slug from attached)),
    events as (
      insert into timeline_events (incident_id, seq, at, actor, type, data, prev_hash, hash)
      select e.incident_id, e.seq, e.at, e.actor, e.type, e.data, e.prev_hash, e.hash
      from jsonb_to_recordset(${db.json(eventRecords(events) as never)}::jsonb)
        as e(incident_id text, seq int, at timestamptz, actor text, type text, data jsonb, prev_hash text, hash text))
    update incidents set timeline_seq = ${head.seq}, timeline_head = ${head.hash}
    where id = ${incident.id}`;
  return { ...incident, timeline_seq: head.seq, timeline_head: head.hash };
}

/** The checklist of an incident, given by id or, when the caller has just read it, as the incident itself. */
export async function checklist(db: Db, runbooks: Map<string, Runbook>, of: string | Incident, now: Date): Promise<ChecklistItem[]> {
  const incident = typeof of === 'string' ? await getIncident(db, of) : of;
  const incidentId = incident.id;
  const rows = await db<{ slug: string; step_id: string; state: ChecklistItem['state']; note: string | null; changed_by_name: string | null; changed_at: Date | null }[]>`
    select c.slug, c.step_id, c.state, c.note, c.changed_by_name, c.changed_at
    from checklist_steps c join incident_runbooks r on r.incident_id = c.incident_id and r.slug = c.slug
    where c.incident_id = ${incidentId}
    order by r.attached_at, c.slug, c.position`;
  const anchors = incident as unknown as Record<string, Date | null>;
  return rows.flatMap((row) => {
    const step = runbooks.get(row.slug)?.steps.find((s) => s.id === row.step_id);
    if (!step) return [];
    const due = dueOf(step, anchors);
    return [
      {
        step_id: step.id,
        runbook: row.slug,
        number: step.number,
        text: step.text,
        detail: step.detail,
        role: step.role,
        state: row.state,
        note: row.note,
        changed_by: row.changed_by_name,
        changed_at: row.changed_at,
        due_at: due.due_at,
        waiting_on: due.waiting_on,
        overdue: row.state === 'open' && due.due_at !== null && due.due_at.getTime() < now.getTime(),
      },
    ];
  });
}

/** Completes or skips a step; a skip needs a note, and only a holder of the step's role (or an admin) may act. */
export async function settleStep(
  db: Db,
  runbooks: Map<string, Runbook>,
  incidentId: string,
  stepId: string,
  input: { action: 'complete' | 'skip'; note: string | null },
  actor: Actor & { role: Role },
  now: Date,
): Promise<ChecklistItem> {
  const slug = stepId.slice(0, stepId.lastIndexOf('.'));
  const step = runbooks.get(slug)?.steps.find((s) => s.id === stepId);
  if (!step) throw new NotFoundError('checklist step', stepId);
  if (actor.role !== 'admin' && actor.role !== step.role) throw new NotAllowedError(`step ${stepId} is for the ${step.role} role`);
  if (input.action === 'skip' && !input.note) throw new InvalidFactsError([{ field: 'note', message: 'say why the step is skipped' }]);
  await inTransaction(db, async (tx) => {
    const [row] = await tx<{ state: string }[]>`
      select state from checklist_steps where incident_id = ${incidentId} and step_id = ${stepId} for update`;
    if (!row) throw new NotFoundError('checklist step', stepId);
    if (row.state !== 'open') throw new ConflictError(`step ${stepId} is already ${row.state}`);
    const state = input.action === 'complete' ? 'done' : 'skipped';
    await tx`
      update checklist_steps set state = ${state}, note = ${input.note}, changed_by = ${actor.id}, changed_by_name = ${actor.name}, changed_at = ${now}
      where incident_id = ${incidentId} and step_id = ${stepId}`;
    await recordEvent(tx, incidentId, input.action === 'complete' ? 'checklist.step_done' : 'checklist.step_skipped', actor, now, { step: stepId, text: step.text, note: input.note });
  });
  return (await checklist(db, runbooks, incidentId, now)).find((i) => i.step_id === stepId)!;
}
