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
    const m = meaning(e);
    if (!m) return 'ignored';
    if ('state' in m) {
      const moved = await ledger.applyProviderState(tx, { provider: e.provider, deliveryId: e.deliveryId, state: m.state, errorCode: null, now });
      return moved ? 'applied' : 'ignored';
    }
    // A failure reported after a success (out of order) changes nothing.
    const [row] = await tx<{ state: ledger.DeliveryState }[]>`select state from deliveries where id = ${Number(e.deliveryId)}`;
    if (!row) return 'unknown_delivery';
    if (row.state !== 'accepted' && row.state !== 'sending') return 'ignored';
    await ledger.failAndFallBack(tx, e.deliveryId, m.fail, e.errorCode ?? e.kind, now);
    return 'applied';
  });
}
