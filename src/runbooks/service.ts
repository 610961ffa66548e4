// Checklists: runbooks attached to an incident, their steps completed or skipped by named key holders, each on the timeline.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, InvalidFactsError, NotAllowedError, NotFoundError } from '../errors.js';
import type { Role } from '../http/context.js';
import { actorLabel, getIncident, recordEvent, type Actor, type Incident, type OpenedWith } from '../incidents/service.js';
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
    await recordEvent(tx, incidentId, 'runbook.attached', actor, now, { runbook: slug, version: runbook.version, how, steps: runbook.steps.length });
    return runbook;
  });
}

/**
 * The runbooks written for a nature, ready to be attached in the statement that opens an incident
 * of that nature: one `runbook.attached` event each and the rows that make them its checklist.
 */
export function runbooksOpenedWith(runbooks: Map<string, Runbook>, nature: Incident['nature'], actor: Actor, now: Date): OpenedWith[] {
  const matching = runbooksForNature(runbooks, nature);
  if (!matching.length) return [];
  const attached = matching.map((r) => ({ slug: r.slug, runbook_version: r.version }));
  return [
    {
      events: matching.map((r) => ({ type: 'runbook.attached', actor: actorLabel(actor), at: now, data: { runbook: r.slug, version: r.version, how: 'automatic', steps: r.steps.length } })),
      statement: (db, incidentId) => db`
        insert into incident_runbooks (incident_id, slug, runbook_version, attached_at, attached_by, how)
        select ${incidentId}, a.slug, a.runbook_version, ${now}, ${actor.id}, 'automatic'
        from jsonb_to_recordset(${db.json(attached as never)}::jsonb) as a(slug text, runbook_version text)`,
    },
  ];
}

/** The checklist of an incident. */
export async function checklist(db: Db, runbooks: Map<string, Runbook>, incidentId: string, now: Date): Promise<ChecklistItem[]> {
  return (await incidentWithChecklist(db, runbooks, incidentId, now)).items;
}

/** An incident and its checklist, read side by side. */
export async function incidentWithChecklist(db: Db, runbooks: Map<string, Runbook>, incidentId: string, now: Date): Promise<{ incident: Incident; items: ChecklistItem[] }> {
  const [incident, rows] = await Promise.all([getIncident(db, incidentId), checklistRows(db, incidentId)]);
  return { incident, items: itemsOf(runbooks, incident, rows, now) };
}

interface ChecklistRows {
  attached: { slug: string }[];
  settled: { step_id: string; state: ChecklistItem['state']; note: string | null; changed_by_name: string | null; changed_at: Date | null }[];
}

async function checklistRows(db: Db, incidentId: string): Promise<ChecklistRows> {
  const [attached, settled] = await Promise.all([
    db<ChecklistRows['attached']>`select slug from incident_runbooks where incident_id = ${incidentId} order by attached_at, slug`,
    db<ChecklistRows['settled']>`select step_id, state, note, changed_by_name, changed_at from checklist_steps where incident_id = ${incidentId}`,
  ]);
  return { attached, settled };
}

function itemsOf(runbooks: Map<string, Runbook>, incident: Incident, { attached, settled }: ChecklistRows, now: Date): ChecklistItem[] {
  const byStep = new Map(settled.map((r) => [r.step_id, r]));
  const anchors = incident as unknown as Record<string, Date | null>;
  // Steps come from the runbooks themselves; only a step someone settled has a row of its own.
  return attached.flatMap(({ slug }) =>
    (runbooks.get(slug)?.steps ?? []).map((step) => {
      const row = byStep.get(step.id);
      const state = row?.state ?? 'open';
      const due = dueOf(step, anchors);
      return {
        step_id: step.id,
        runbook: slug,
        number: step.number,
        text: step.text,
        detail: step.detail,
        role: step.role,
        state,
        note: row?.note ?? null,
        changed_by: row?.changed_by_name ?? null,
        changed_at: row?.changed_at ?? null,
        due_at: due.due_at,
        waiting_on: due.waiting_on,
        overdue: state === 'open' && due.due_at !== null && due.due_at.getTime() < now.getTime(),
      };
    }),
  );
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
    // The attachment row is the lock: settling steps of one runbook queue up behind each other.
    const [attachedRow] = await tx`select slug from incident_runbooks where incident_id = ${incidentId} and slug = ${slug} for update`;
    if (!attachedRow) throw new NotFoundError('checklist step', stepId);
    const state = input.action === 'complete' ? 'done' : 'skipped';
    const written = await tx`
      insert into checklist_steps (incident_id, slug, step_id, position, state, note, changed_by, changed_by_name, changed_at)
      values (${incidentId}, ${slug}, ${stepId}, ${step.number}, ${state}, ${input.note}, ${actor.id}, ${actor.name}, ${now})
      on conflict (incident_id, slug, step_id) do update
        set state = excluded.state, note = excluded.note, changed_by = excluded.changed_by, changed_by_name = excluded.changed_by_name, changed_at = excluded.changed_at
        where checklist_steps.state = 'open'
      returning step_id`;
    if (written.length === 0) {
      const [row] = await tx<{ state: string }[]>`select state from checklist_steps where incident_id = ${incidentId} and step_id = ${stepId}`;
      throw new ConflictError(`step ${stepId} is already ${row?.state ?? 'settled'}`);
    }
    await recordEvent(tx, incidentId, input.action === 'complete' ? 'checklist.step_done' : 'checklist.step_skipped', actor, now, { step: stepId, text: step.text, note: input.note });
  });
  return (await checklist(db, runbooks, incidentId, now)).find((i) => i.step_id === stepId)!;
}
