// Provider events: each stored once under the provider's own id, then applied to its delivery with precedence.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import * as ledger from './ledger.js';
import { permanentTwilioCodes } from './providers/codes.js';

export interface ProviderEvent {
  provider: 'sendgrid' | 'twilio';
  eventId: string;
  deliveryId: string | null;
  kind: string;
  errorCode: string | null;
  payload: Record<string, unknown>;
}

export type EventEffect = 'duplicate' | 'applied' | 'ignored' | 'unknown_delivery';

/** What an event means for the delivery: a final state, a failure that opens the next channel, or nothing. */
function meaning(e: ProviderEvent): { state: 'delivered' } | { fail: 'bounced' | 'failed' | 'undeliverable' } | null {
  if (e.provider === 'sendgrid') {
    if (e.kind === 'delivered') return { state: 'delivered' };
    if (e.kind === 'bounce' || e.kind === 'blocked') return { fail: 'bounced' };
    if (e.kind === 'dropped') return { fail: 'failed' };
    return null;
  }
  if (e.kind === 'delivered' || e.kind === 'completed') return { state: 'delivered' };
  if (e.kind === 'undelivered' || e.kind === 'failed') {
    const code = Number(e.errorCode);
    return { fail: Number.isFinite(code) && permanentTwilioCodes.has(code) ? 'undeliverable' : 'failed' };
  }
  if (e.kind === 'busy' || e.kind === 'no-answer' || e.kind === 'canceled') return { fail: 'undeliverable' };
  return null;
}

export async function recordProviderEvent(db: Db, e: ProviderEvent, now: Date): Promise<EventEffect> {
  // Only ledger rows have numeric ids; events about other messages (reminders to the team) are kept but change nothing.
  const ledgerId = e.deliveryId !== null && /^\d{1,18}$/.test(e.deliveryId) ? Number(e.deliveryId) : null;
  return inTransaction(db, async (tx) => {
    const stored = await tx`
      insert into provider_events (provider, event_id, delivery_id, kind, received_at, payload)
      values (${e.provider}, ${e.eventId}, ${ledgerId}, ${e.kind}, ${now}, ${tx.json(e.payload as never)})
      on conflict do nothing
      returning event_id`;
    if (stored.length === 0) return 'duplicate';
    if (ledgerId === null || e.deliveryId === null) return 'unknown_delivery';
    const [row] = await tx<{ state: ledger.DeliveryState }[]>`select state from deliveries where id = ${ledgerId}`;
    if (!row) return 'unknown_delivery';
    // Any event about a held row proves the provider had the message: the unknown outcome is settled.
    if (row.state === 'unknown') {
      await ledger.markAccepted(tx, [{ id: e.deliveryId, providerId: providerIdOf(e), contentHash: null, locale: null }], e.provider, 'accepted', now);
      await ledger.closeHeldAttempt(tx, e.deliveryId, { resolution: 'events', settledBy: `${e.provider} event`, reason: e.kind, now });
      await applyMeaning(tx, e, 'accepted', now);
      return 'applied';
    }
    return applyMeaning(tx, e, row.state, now);
  });
}

/** The provider's own id for the message an event is about. */
function providerIdOf(e: ProviderEvent): string | null {
  if (e.provider === 'sendgrid') return typeof e.payload.sg_message_id === 'string' ? e.payload.sg_message_id : null;
  return e.eventId.split(':')[0] ?? null;
}

async function applyMeaning(tx: Db, e: ProviderEvent, state: ledger.DeliveryState, now: Date): Promise<EventEffect> {
  const m = meaning(e);
  if (!m || e.deliveryId === null) return 'ignored';
  if ('state' in m) {
    const moved = await ledger.applyProviderState(tx, { provider: e.provider, deliveryId: e.deliveryId, state: m.state, errorCode: null, now });
    return moved ? 'applied' : 'ignored';
  }
  // A failure reported after a success (out of order) changes nothing.
  if (state !== 'accepted' && state !== 'sending') return 'ignored';
  await ledger.failAndFallBack(tx, e.deliveryId, m.fail, e.errorCode ?? e.kind, now);
  return 'applied';
}

/**
 * Settles interrupted sends from the provider events already stored: any event carrying the delivery id
 * (SendGrid `processed`, `delivered`, `bounce`…; a Twilio status callback) proves the provider had the
 * message. The row is recorded as accepted and each event applied in the order received. Returns the
 * rows settled; only rows `owner` still holds in `sending` are touched.
 */
export async function settleFromStoredEvents(
  db: Db,
  ids: string[],
  owner: string,
  now: Date,
  /** The content this row carries (rendered again, or as recorded before the send), for the proof. */
  proofOf: (id: string) => { contentHash: string | null; locale: string } | undefined = () => undefined,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ delivery_id: string; provider: 'sendgrid' | 'twilio'; event_id: string; kind: string; payload: Record<string, unknown> }[]>`
    select delivery_id::text as delivery_id, provider, event_id, kind, payload from provider_events
    where delivery_id = any(${ids.map(Number)}::bigint[]) order by received_at, event_id`;
  const byDelivery = new Map<string, ProviderEvent[]>();
  for (const r of rows) {
    const errorCode = r.provider === 'sendgrid' ? r.payload.type : r.payload.ErrorCode;
    const e: ProviderEvent = { provider: r.provider, eventId: r.event_id, deliveryId: r.delivery_id, kind: r.kind, errorCode: typeof errorCode === 'string' ? errorCode : null, payload: r.payload };
    byDelivery.set(r.delivery_id, [...(byDelivery.get(r.delivery_id) ?? []), e]);
  }
  const settled: string[] = [];
  for (const [id, events] of byDelivery) {
    await inTransaction(db, async (tx) => {
      const first = events[0]!;
      const moved = await tx`
        select 1 from deliveries where id = ${Number(id)} and state = 'sending' and lease_owner = ${owner} for update`;
      if (moved.length === 0) return;
      await ledger.markAccepted(tx, [{ id, providerId: events.map(providerIdOf).find((p) => p !== null) ?? null, contentHash: proofOf(id)?.contentHash ?? null, locale: proofOf(id)?.locale ?? null }], first.provider, 'accepted', now, owner);
      for (const e of events) await applyMeaning(tx, e, 'accepted', now);
      settled.push(id);
    });
  }
  return settled;
}
