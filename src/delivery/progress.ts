// Delivery progress as the API and the console show it: a run's JSON, and the event stream of it until the runs finish.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Services } from '../http/context.js';
import { iso } from '../lib/schema.js';
import { sleepUnlessAborted } from '../lib/sleep.js';
import { listRuns, type RunProgress, type RunRow } from './service.js';

export const runJson = (r: RunRow & Partial<RunProgress>) => ({
  id: r.id,
  incident_id: r.incident_id,
  notice_version_id: r.notice_version_id,
  snapshot_id: r.snapshot_id,
  status: r.status,
  planned: r.planned,
  announcement_only: r.announcement_only,
  created_at: iso(r.created_at)!,
  drill: r.drill ?? false,
  channel_order: r.channel_order,
  inapp: r.inapp,
  ...(r.counts ? { counts: r.counts, rate_per_second: r.rate_per_second, remaining: r.remaining, unknown: r.unknown, eta_seconds: r.eta_seconds } : {}),
});

/** Whether a stream of these runs would still have something to show: a running run with notices left. */
export const runsMoving = (runs: readonly (RunRow & RunProgress)[]) => runs.some((r) => r.status === 'running' && r.remaining > 0);

/**
 * `progress` events every two seconds until every run is finished, the reader goes away, or the server stops
 * (then an `end` event says so). The incident is looked up first, so an unknown one is refused before streaming.
 */
export async function progressStream(c: Context, services: Pick<Services, 'db' | 'clock' | 'lifecycle'>, incidentId: string): Promise<Response> {
  const { db, clock } = services;
  await listRuns(db, incidentId, clock.now());
  const draining = services.lifecycle?.draining;
  // The announcement-only count reads the whole snapshot: refreshed every 30 seconds, not on every event.
  const reachCache = { maxAgeMs: 30_000, entries: new Map() };
  return streamSSE(c, async (stream) => {
    for (let tick = 0; !stream.aborted && !draining?.aborted; tick++) {
      const runs = await listRuns(db, incidentId, clock.now(), reachCache);
      await stream.writeSSE({ event: 'progress', id: String(tick), data: JSON.stringify({ data: runs.map(runJson) }) });
      if (!runsMoving(runs)) return;
      await (draining ? sleepUnlessAborted(2000, draining) : stream.sleep(2000));
    }
    // A stopping server says so, so the reader reconnects elsewhere rather than guessing.
    if (draining?.aborted && !stream.aborted) await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason: 'server_stopping' }) });
  });
}
