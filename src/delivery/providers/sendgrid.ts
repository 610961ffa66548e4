// Email through SendGrid: one request per shared content with up to 1000 personalizations, each tagged with its delivery id.
import { sha256Hex } from '../../lib/hash.js';
import type { DeliveryProvider, LookupAnswer, LookupRequest, SendHooks, SendOutcome } from './types.js';
import type { ProviderResponse, ProviderTransport } from './transport.js';
import { planMailRequests, type MailRequest } from './email-batch.js';
import { inPool } from './pool.js';

export interface SendgridSettings {
  apiKey: string;
  from: string;
  /** Another base URL (a proxy, or the fake in tests). */
  baseUrl?: string;
  /** Each request's own limit: a slow or hanging one fails alone, its rows retried. */
  timeoutMs?: number;
  /** Requests one send() keeps in flight. */
  concurrency?: number;
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
  async function sendRequest(request: MailRequest, hooks: SendHooks): Promise<SendOutcome[]> {
    const batch = request.messages;
    await hooks.beforeRequest?.(batch);
    let response: ProviderResponse;
    try {
      // The v3 body built directly (email-batch.ts): the SDK's Mail class clones and renames the keys of every
      // one of up to 1000 personalizations, which was the larger part of a worker's CPU per batch.
      response = await transport.request({ method: 'POST', path: '/v3/mail/send', json: request.body });
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
      const part = (from: number, to?: number): MailRequest => ({
        messages: batch.slice(from, to),
        body: { ...request.body, personalizations: request.body.personalizations.slice(from, to) },
      });
      return [...(await sendRequest(part(0, half), hooks)), ...(await sendRequest(part(half), hooks))];
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
    // A pass's whole email goes to one send(): it plans its own requests of up to 1000 people.
    maxBatch: 100_000,
    capture: false,
    async send(messages, hooks = {}) {
      const outcomes: SendOutcome[] = [];
      await inPool(planMailRequests(messages, { from: settings.from }), settings.concurrency ?? 8, async (request) => {
        const answered = await sendRequest(request, hooks);
        hooks.onOutcomes?.(answered);
        outcomes.push(...answered);
      });
      return outcomes;
    },
  };
}
