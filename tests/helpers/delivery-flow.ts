// An incident taken through the API up to a planned delivery run, and a ledger drained on a test clock.
import { expect } from 'vitest';
import { dispatchOnce, type DispatchDeps } from '../../src/delivery/dispatch.js';
import { upsertUsers, type DirectoryUser } from '../../src/directory/store.js';
import type { fixedClock } from '../../src/lib/clock.js';
import { sampleIncident } from './fixtures.js';
import { json, type Harness } from './harness.js';
import { sampleNoticeContent } from './notice-content.js';

/** A directory user in scope (category `contact`); `over` sets the contact details. */
export const directoryUser = (id: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  external_id: id,
  name: `Person ${id}`,
  locale: 'en',
  country: 'DE',
  account_status: 'active',
  data_categories: ['contact'],
  systems: [],
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
  ...over,
});

/** Directory, incident, scope, snapshot, an approved notice (with `inapp` as given) and a started run; the run's JSON. */
export async function plannedRun(h: Harness, users: DirectoryUser[], inapp?: 'in_order' | 'additional'): Promise<{ incidentId: string; run: Record<string, unknown> }> {
  await upsertUsers(h.db.sql, users, null, new Date());
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  expect((await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'] } })).status).toBe(200);
  expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
  const frozen = await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent(), ...(inapp ? { inapp } : {}) } });
  expect(frozen.status).toBe(201);
  expect((await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' })).status).toBe(200);
  const started = await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
  expect(started.status).toBe(201);
  return { incidentId: id, run: await json(started) };
}

/** Passes until nothing is queued or sending, the clock moved a minute between them so back-off waits pass at once. */
export async function drainLedger(h: Harness, deps: DispatchDeps, clock: ReturnType<typeof fixedClock>, maxPasses = 100): Promise<number> {
  for (let pass = 0; pass < maxPasses; pass++) {
    const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where state in ('queued', 'sending')`;
    if (row!.n === 0) return pass;
    await dispatchOnce(deps);
    clock.advance(60_000);
  }
  throw new Error('the ledger did not drain');
}

export const ledgerRows = (h: Harness) =>
  h.db.sql<{ external_id: string; channel: string; state: string; attempts: number; error_code: string | null; provider_id: string | null }[]>`
    select external_id, channel, state, attempts, error_code, provider_id from deliveries order by external_id, channel_rank, channel`;
