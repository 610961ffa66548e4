// The breach register (GDPR art. 33(5) and its counterparts): every incident with its facts, effects and remedial
// action, and for each obligation what was decided — including the decisions not to notify — from the same
// record that drives the notices.
import type { Db } from '../db/client.js';
import { listIncidents, type Incident } from '../incidents/service.js';
import { obligationDecisions, reaches, type IncidentDecisions } from '../obligations/service.js';

export interface RegisterQuery {
  /** Incidents discovered at or after this moment. */
  from?: Date | undefined;
  /** Incidents discovered before this moment. */
  to?: Date | undefined;
  /** Only incidents touching this country or subdivision (a country matches its subdivisions). */
  jurisdiction?: string | undefined;
  include_drills: boolean;
}

export interface RegisterEntry extends IncidentDecisions {
  incident: Incident;
  /** Obligations that may apply and still wait for the team's determination. */
  decisions_missing: string[];
}

/** The register rows for the incidents the query selects, newest first. */
export async function breachRegister(db: Db, q: RegisterQuery, now: Date): Promise<RegisterEntry[]> {
  const out: RegisterEntry[] = [];
  let after: { created_at: Date; id: string } | undefined;
  for (;;) {
    const page = await listIncidents(db, { limit: 200, after, drill: q.include_drills ? undefined : false });
    for (const incident of page.incidents) {
      if (q.from && incident.discovered_at < q.from) continue;
      if (q.to && incident.discovered_at >= q.to) continue;
      const d = await obligationDecisions(db, incident.id, now);
      // The snapshot may name places the incident's own regions do not.
      if (q.jurisdiction && !reaches([q.jurisdiction], new Set([...incident.regions, ...Object.keys(d.affected_by_jurisdiction)]))) continue;
      out.push(entry(incident, d));
    }
    if (!page.next) return out;
    after = page.next;
  }
}

function entry(incident: Incident, d: IncidentDecisions): RegisterEntry {
  return { incident, ...d, decisions_missing: d.decisions.filter((x) => x.decision === 'decision_missing').map((x) => x.key) };
}
