// Deadline reminders: at set shares of each open stage's window (50%, 75%, 90% and at due by default)
// the responders on call are told by email and SMS through the delivery providers (capture mode when
// none are configured). Each reminder is claimed by a unique row first, so it goes out once even with
// several processes sweeping; when a sweep finds several shares passed at once, only the latest is sent.
import type { Db } from '../db/client.js';
import type { DeliveryChannel } from '../delivery/ledger.js';
import type { DeliveryProvider, OutgoingMessage } from '../delivery/providers/types.js';
import { recordEvent } from '../incidents/service.js';
import { sha256Hex } from '../lib/hash.js';
import { sleepUnlessAborted } from '../lib/sleep.js';
import { escapeHtml } from '../notices/template-set.js';
import type { Logger } from '../lib/logger.js';
import { loadProfile, type Profile } from './profile.js';
import { incidentObligations } from './service.js';
import type { Obligation, StageResult } from './types.js';

export interface ReminderDue {
  key: string;
  rule_id: string;
  authority: string;
  stage: string;
  stage_name: string;
  threshold: number;
  due_at: Date;
  status: string;
}

const systemActor = { id: 'system', name: 'deadline reminders' };

/** The stage's deadline for reminders: the team target for "without undue delay" duties, else the due time. */
function reference(s: StageResult): { start: Date; end: Date } | null {
  const end = s.target_at ?? s.due_at;
  if (!s.start_at || !end) return null;
  return { start: new Date(s.start_at), end: new Date(end) };
}

/** Every (obligation, open stage, threshold) whose share of the window has passed at `now`. */
export function remindersDue(obligations: Obligation[], thresholds: readonly number[], now: Date): ReminderDue[] {
  const out: ReminderDue[] = [];
  for (const o of obligations) {
    if (o.status === 'not_applicable' || o.status === 'met' || o.status === 'met_late') continue;
    for (const s of o.stages) {
      if (!s.required || s.filed_at || !['upcoming', 'due_soon', 'overdue'].includes(s.status)) continue;
      const r = reference(s);
      if (!r) continue;
      const window = r.end.getTime() - r.start.getTime();
      const elapsed = now.getTime() - r.start.getTime();
      for (const t of thresholds) {
        // A window of zero length (due at once) is fully elapsed from its start.
        if (window <= 0 ? elapsed >= 0 : elapsed >= window * t) {
          out.push({ key: o.key, rule_id: o.rule_id, authority: o.notifies.name, stage: s.key, stage_name: s.name, threshold: t, due_at: r.end, status: s.status });
        }
      }
    }
  }
  return out;
}

export interface ReminderDeps {
  db: Db;
  providers: Pick<Record<DeliveryChannel, DeliveryProvider>, 'email' | 'sms'>;
  logger: Logger;
}

export interface SweepTally {
  incidents: number;
  sent: number;
  superseded: number;
  messages: number;
}

const percent = (t: number) => (t >= 1 ? 'due' : `${Math.round(t * 100)}%`);

function reminderText(incident: { id: string; title: string; drill: boolean }, r: ReminderDue, now: Date): { subject: string; text: string } {
  const left = r.due_at.getTime() - now.getTime();
  const hours = Math.abs(left) / 3_600_000;
  const span = hours >= 48 ? `${Math.round(hours / 24)} days` : `${hours.toFixed(1)} hours`;
  const when = left >= 0 ? `due in ${span}` : `overdue by ${span}`;
  const drill = incident.drill ? '[DRILL] ' : '';
  const subject = `${drill}${r.authority}: ${r.stage_name} ${when} (${r.rule_id})`;
  const text = [
    `${drill}Incident ${incident.id}: ${incident.title}`,
    `${r.authority} — ${r.stage_name} (${r.rule_id}) is ${when}, at ${r.due_at.toISOString()}.`,
    `This reminder marks ${r.threshold >= 1 ? 'the due time' : `${percent(r.threshold)} of the window`}.`,
    `Record the filing in breachkit once it is made: POST /v1/incidents/${incident.id}/obligations/${r.rule_id}/filings`,
  ].join('\n');
  return { subject, text };
}

async function send(deps: ReminderDeps, profile: Profile, id: string, msg: { subject: string; text: string }): Promise<{ sent: number; outcomes: string[] }> {
  const outgoing: OutgoingMessage[] = [];
  const contentHash = sha256Hex(msg.text);
  profile.on_call.forEach((p, i) => {
    if (p.email) outgoing.push({ deliveryId: `${id}-e${i}`, channel: 'email', to: p.email, contentHash, rendered: { channel: 'email', locale: 'en', subject: msg.subject, text: msg.text, html: `<pre>${escapeHtml(msg.text)}</pre>` } });
    // One SMS part: the subject line says what and when.
    if (p.phone) outgoing.push({ deliveryId: `${id}-s${i}`, channel: 'sms', to: p.phone, contentHash, rendered: { channel: 'sms', locale: 'en', text: msg.subject.slice(0, 150) } });
  });
  const outcomes: string[] = [];
  for (const channel of ['email', 'sms'] as const) {
    const batch = outgoing.filter((m) => m.channel === channel);
    if (!batch.length) continue;
    try {
      for (const r of await deps.providers[channel].send(batch)) outcomes.push(r.outcome);
    } catch (err) {
      deps.logger.warn({ err, channel }, 'a deadline reminder could not be handed to the provider');
      outcomes.push(...batch.map(() => 'error'));
    }
  }
  return { sent: outcomes.filter((o) => o === 'accepted' || o === 'captured').length, outcomes };
}

/** One pass over every open incident: claims each reminder that has come due and sends the latest per stage. */
export async function sweepReminders(deps: ReminderDeps, now: Date): Promise<SweepTally> {
  const tally: SweepTally = { incidents: 0, sent: 0, superseded: 0, messages: 0 };
  const open = await deps.db<{ id: string; title: string; drill: boolean }[]>`select id, title, drill from incidents where status <> 'closed' order by created_at`;
  // Who is on call, and when to remind them, is today's profile, whatever version judges each incident.
  const profile = await loadProfile(deps.db);
  for (const incident of open) {
    tally.incidents++;
    const evaluation = await incidentObligations(deps.db, incident.id, now);
    const due = remindersDue(evaluation.obligations, profile.reminder_thresholds, now);
    if (!due.length) continue;
    const claimed: ReminderDue[] = [];
    for (const r of due) {
      const rows = await deps.db`
        insert into obligation_alerts (incident_id, rule_id, stage, threshold, due_at, fired_at)
        values (${incident.id}, ${r.key}, ${r.stage}, ${String(r.threshold)}, ${r.due_at}, ${now})
        on conflict do nothing
        returning rule_id`;
      if (rows.length) claimed.push(r);
    }
    // Per stage, only the furthest share just claimed is worth a message; the others are marked passed over.
    const latest = new Map<string, ReminderDue>();
    for (const r of claimed) {
      const k = `${r.key}|${r.stage}|${r.due_at.toISOString()}`;
      if ((latest.get(k)?.threshold ?? -1) < r.threshold) latest.set(k, r);
    }
    for (const r of claimed) {
      if (latest.get(`${r.key}|${r.stage}|${r.due_at.toISOString()}`) === r) continue;
      await deps.db`update obligation_alerts set superseded = true, outcome = 'superseded'
        where incident_id = ${incident.id} and rule_id = ${r.key} and stage = ${r.stage} and threshold = ${String(r.threshold)} and due_at = ${r.due_at}`;
      tally.superseded++;
    }
    for (const r of latest.values()) {
      const id = `rem-${sha256Hex(`${incident.id}|${r.key}|${r.stage}|${r.threshold}|${r.due_at.toISOString()}`).slice(0, 16)}`;
      const msg = reminderText(incident, r, now);
      const result = await send(deps, profile, id, msg);
      const outcome = profile.on_call.length ? result.outcomes.join(',') || 'none' : 'nobody on call';
      await deps.db`update obligation_alerts set sent_to = ${result.sent}, outcome = ${outcome}
        where incident_id = ${incident.id} and rule_id = ${r.key} and stage = ${r.stage} and threshold = ${String(r.threshold)} and due_at = ${r.due_at}`;
      await recordEvent(deps.db, incident.id, 'obligation.reminder', systemActor, now, {
        obligation: r.key,
        rule_id: r.rule_id,
        stage: r.stage,
        threshold: percent(r.threshold),
        due_at: r.due_at.toISOString(),
        status: r.status,
        recipients: result.sent,
        outcome,
      });
      tally.sent++;
      tally.messages += result.sent;
    }
  }
  return tally;
}

export interface ReminderLoopOptions {
  intervalMs: number;
  signal: AbortSignal;
  now: () => Date;
}

/** Sweeps on a fixed interval until stopped; a failed sweep is logged and tried again next time. */
export async function runReminders(deps: ReminderDeps, options: ReminderLoopOptions): Promise<void> {
  while (!options.signal.aborted) {
    try {
      const t = await sweepReminders(deps, options.now());
      if (t.sent) deps.logger.info({ reminders: t.sent, superseded: t.superseded, messages: t.messages }, 'deadline reminders sent');
    } catch (err) {
      deps.logger.error({ err }, 'deadline reminder sweep failed; trying again later');
    }
    await sleepUnlessAborted(options.intervalMs, options.signal);
  }
}
