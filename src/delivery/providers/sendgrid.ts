// Email through SendGrid: one request per shared content with up to 1000 personalizations, each tagged with its delivery id.
import { sha256Hex } from '../../lib/hash.js';
import type { DeliveryProvider, LookupAnswer, LookupRequest, OutgoingMessage, SendHooks, SendOutcome } from './types.js';
import type { ProviderResponse, ProviderTransport } from './transport.js';

export interface SendgridSettings {
  apiKey: string;
  from: string;
  /** Another base URL (a proxy, or the fake in tests). */
  baseUrl?: string;
  timeoutMs?: number;
}

const maxPersonalizations = 1000;

/** Groups messages that share the exact content; within a group an address appears once per request. */
export function batchesOf(messages: OutgoingMessage[]): OutgoingMessage[][] {
  const byContent = new Map<string, OutgoingMessage[]>();
  for (const m of messages) {
    const group = byContent.get(m.contentHash) ?? [];
    group.push(m);
    byContent.set(m.contentHash, group);
  }
  const batches: OutgoingMessage[][] = [];
  for (const group of byContent.values()) {
    // SendGrid refuses a whole request that names an address twice: repeats go to later requests.
    const rounds: OutgoingMessage[][] = [];
    const seen: Set<string>[] = [];
    for (const m of group) {
      const address = m.to.toLowerCase();
      let i = seen.findIndex((s, k) => !s.has(address) && rounds[k]!.length < maxPersonalizations);
      if (i === -1) {
        i = rounds.length;
        rounds.push([]);
        seen.push(new Set());
      }
      rounds[i]!.push(m);
      seen[i]!.add(address);
    }
    batches.push(...rounds);
  }
  return batches;
}

function retryAfter(response: ProviderResponse): number | null {
  const reset = Number(response.headers['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(1000, reset * 1000 - Date.now()) : null;
}

/** Splits look-ups into rounds in which each address appears once (a guardian may get several children's notices). */
function roundsByAddress(requests: LookupRequest[]): LookupRequest[][] {
  const rounds: { seen: Set<string>; rows: LookupRequest[] }[] = [];
  for (const r of requests) {
    const address = r.to.toLowerCase();
    let round = rounds.find((x) => !x.seen.has(address) && x.rows.length < maxLookupIds);
    if (!round) rounds.push((round = { seen: new Set(), rows: [] }));
    round.seen.add(address);
    round.rows.push(r);
  }
  return rounds.map((x) => x.rows);
}

/** Delivery ids per Email Activity query: the query string stays well inside a URL's length. */
const maxLookupIds = 200;

/** `transport` reaches the REST API: the SDK's client on Node (sendgrid-sdk.ts), fetch on Workers (sendgrid-fetch.ts). */
export function sendgridProvider(settings: SendgridSettings, transport: ProviderTransport): DeliveryProvider {
  async function sendBatch(batch: OutgoingMessage[], hooks: SendHooks): Promise<SendOutcome[]> {
    const content = batch[0]!.rendered;
    await hooks.beforeRequest?.(batch);
    let response: ProviderResponse;
    try {
      // The v3 body as the SDK's Mail class would build it, made directly: that class clones and renames the
      // keys of every one of up to 1000 personalizations, which was the larger part of a worker's CPU per batch.
      const text = content.text ?? '';
      const html = content.html ?? content.text ?? '';
      response = await transport.request({
        method: 'POST',
        path: '/v3/mail/send',
        json: {
          from: { email: settings.from },
          subject: content.subject ?? '',
          personalizations: batch.map((m) => ({ to: [{ email: m.to }], custom_args: { delivery_id: m.deliveryId } })),
          content: [...(text ? [{ type: 'text/plain', value: text }] : []), ...(html ? [{ type: 'text/html', value: html }] : [])],
        },
      });
    } catch {
      return batch.map((m) => ({ deliveryId: m.deliveryId, outcome: 'transient' as const, errorCode: 'sendgrid_network' }));
    }
    if (response.status >= 200 && response.status < 300) {
      const messageId = String(response.headers['x-message-id'] ?? '') || null;
      return batch.map((m) => ({ deliveryId: m.deliveryId, outcome: 'accepted' as const, providerId: messageId }));
    }
    if (response.status === 429) {
      const retryAfterMs = retryAfter(response);
      return batch.map((m) => ({ deliveryId: m.deliveryId, outcome: 'rate_limited' as const, retryAfterMs }));
    }
    if (response.status === 400) {
      // One bad address fails the whole request: split until it stands alone.
      if (batch.length === 1) return [{ deliveryId: batch[0]!.deliveryId, outcome: 'permanent', errorCode: 'sendgrid_400' }];
      const half = Math.ceil(batch.length / 2);
      return [...(await sendBatch(batch.slice(0, half), hooks)), ...(await sendBatch(batch.slice(half), hooks))];
    }
    return batch.map((m) => ({ deliveryId: m.deliveryId, outcome: 'transient' as const, errorCode: `sendgrid_${response.status}` }));
  }

  /**
   * The Email Activity API, one query for many rows: `unique_args['delivery_id'] IN (…)`. Its listed messages
   * carry no custom args, so each query names every address once and a message is told apart by its address.
   */
  async function lookup(requests: LookupRequest[]): Promise<LookupAnswer> {
    const found = new Map<string, string | null>();
    for (const round of roundsByAddress(requests)) {
      const ids = round.map((r) => `"${r.deliveryId}"`).join(',');
      let response: ProviderResponse;
      try {
        response = await transport.request({
          method: 'GET',
          path: '/v3/messages',
          query: { query: `unique_args['delivery_id'] IN (${ids})`, limit: Math.min(1000, round.length * 5) },
        });
      } catch {
        return { kind: 'later', detail: 'Email Activity API unreachable' };
      }
      // Without the add-on (or a key without the Email Activity scope) the API answers 404 or 403.
      if (response.status === 404 || response.status === 403) return { kind: 'unavailable', detail: `Email Activity API answered ${response.status}` };
      if (response.status === 429) return { kind: 'later', detail: 'Email Activity API rate limit', retryAfterMs: retryAfter(response) };
      if (response.status < 200 || response.status >= 300) return { kind: 'later', detail: `Email Activity API answered ${response.status}` };
      const byAddress = new Map(round.map((r) => [r.to.toLowerCase(), r.deliveryId]));
      for (const m of (response.body as { messages?: { msg_id?: string; to_email?: string }[] } | null)?.messages ?? []) {
        const id = byAddress.get(String(m.to_email ?? '').toLowerCase());
        if (id !== undefined && !found.has(id)) found.set(id, m.msg_id ?? null);
      }
    }
    return { kind: 'answered', found };
  }

  return {
    name: 'sendgrid',
    account: `sendgrid:${sha256Hex(settings.apiKey).slice(0, 16)}`,
    lookup,
    channel: 'email',
    maxBatch: maxPersonalizations,
    capture: false,
    async send(messages, hooks = {}) {
      const outcomes: SendOutcome[] = [];
      for (const batch of batchesOf(messages)) {
        const answered = await sendBatch(batch, hooks);
        hooks.onOutcomes?.(answered);
        outcomes.push(...answered);
      }
      return outcomes;
    },
  };
}
