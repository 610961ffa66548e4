// In-app notices: a Standard Webhooks request (signed with `standardwebhooks`) to the company's own app back end, through fetch.
import { Webhook } from 'standardwebhooks';
import type { DeliveryProvider, OutgoingMessage, SendOutcome } from './types.js';
import { sendEach, slots } from './pool.js';

export interface InappSettings {
  /** The app back end's endpoint. */
  url: string;
  /** `whsec_…`: the shared signing secret. */
  secret: string;
  /** Requests in flight at most, shared by every send() of this provider. */
  concurrency?: number;
  timeoutMs?: number;
}

/** The event type the app back end receives. */
export const inappEventType = 'breach_notice.created';

/** What the app back end gets: who, in which language, the notice, and the link to the person's notice page. */
export function inappPayload(m: OutgoingMessage, now: Date) {
  return {
    type: inappEventType,
    timestamp: now.toISOString(),
    data: {
      delivery_id: m.deliveryId,
      external_id: m.to,
      locale: m.rendered.locale,
      title: m.rendered.subject ?? '',
      body: m.rendered.text ?? '',
      notice_url: m.noticeUrl ?? null,
      content_hash: m.contentHash,
    },
  };
}

/**
 * The same message id on every attempt: the receiver can drop a repeat (Standard Webhooks), which makes
 * a resend after a crash or a timeout safe.
 */
export const inappMessageId = (deliveryId: string) => `msg_breachkit_delivery_${deliveryId}`;

export function outcomeOfInappResponse(deliveryId: string, status: number, retryAfter: string | null, msgId: string): SendOutcome {
  if (status >= 200 && status < 300) return { deliveryId, outcome: 'accepted', providerId: msgId };
  if (status === 429) {
    const seconds = Number(retryAfter);
    const at = retryAfter && !Number.isFinite(seconds) ? Date.parse(retryAfter) : NaN;
    const retryAfterMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
    return { deliveryId, outcome: 'rate_limited', retryAfterMs };
  }
  // 408 is the receiver's own timeout: worth another try, like a 5xx.
  if (status >= 500 || status === 408) return { deliveryId, outcome: 'transient', errorCode: `inapp_http_${status}` };
  // Any other answer (4xx, or a redirect we do not follow) will not change on a retry: next channel.
  return { deliveryId, outcome: 'permanent', errorCode: `inapp_http_${status}` };
}

export function inappProvider(settings: InappSettings): DeliveryProvider {
  const webhook = new Webhook(settings.secret);
  const timeoutMs = settings.timeoutMs ?? 15_000;

  const limit = slots(settings.concurrency ?? 20);

  async function one(m: OutgoingMessage): Promise<SendOutcome> {
    // The receiver checks this against its own clock: the real time, never a test clock.
    const at = new Date();
    const msgId = inappMessageId(m.deliveryId);
    const body = JSON.stringify(inappPayload(m, at));
    try {
      const res = await fetch(settings.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': webhook.sign(msgId, at, body),
        },
        body,
      });
      // The body is not needed; reading it lets the connection be reused.
      await res.arrayBuffer().catch(() => undefined);
      return outcomeOfInappResponse(m.deliveryId, res.status, res.headers.get('retry-after'), msgId);
    } catch (err) {
      const name = (err as { name?: string }).name;
      return { deliveryId: m.deliveryId, outcome: 'transient', errorCode: name === 'TimeoutError' || name === 'AbortError' ? 'inapp_timeout' : 'inapp_network' };
    }
  }

  return {
    name: 'inapp',
    channel: 'inapp',
    maxBatch: 200,
    capture: false,
    send: (messages, hooks = {}) => sendEach(messages, limit, hooks, one),
  };
}
