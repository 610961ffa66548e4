// SMS and voice calls through Twilio: one request per message, a status callback carrying the delivery id.
import twilio from 'twilio';
import type { DeliveryChannel } from '../ledger.js';
import type { DeliveryProvider, LookupAnswer, LookupRequest, OutgoingMessage, SendOutcome } from './types.js';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { createTwilioFetchClient } from './sdk-base-url.js';
import { sameTextWithNoticeLink } from '../../notice-pages/link.js';
import { permanentTwilioCodes } from './codes.js';
import { sendEach } from './pool.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from?: string;
  messagingServiceSid?: string;
  baseUrl?: string;
  /** Where Twilio posts status updates (our /webhooks/twilio, reachable from the internet). */
  statusCallbackUrl: string;
  /** Requests kept in flight by one send(): each SMS or call is a request of its own. */
  concurrency?: number;
  timeoutMs?: number;
  /** The HTTP client under the SDK; a `fetch` client (any runtime) unless the host gives a better one. */
  httpClient?: RequestClient;
}

/** Text-to-speech voices per notice language. */
const voices: Record<string, { language: string; voice: string }> = {
  en: { language: 'en-US', voice: 'Polly.Joanna' },
  'zh-CN': { language: 'cmn-CN', voice: 'Polly.Zhiyu' },
};

interface TwilioError {
  status?: number;
  code?: number;
}

export function outcomeOfTwilioError(deliveryId: string, err: unknown): SendOutcome {
  const e = err as TwilioError;
  if (e.status === 429 || e.code === 20429) return { deliveryId, outcome: 'rate_limited', retryAfterMs: null };
  if (typeof e.code === 'number' && permanentTwilioCodes.has(e.code)) return { deliveryId, outcome: 'permanent', errorCode: `twilio_${e.code}` };
  return { deliveryId, outcome: 'transient', errorCode: typeof e.code === 'number' ? `twilio_${e.code}` : typeof e.status === 'number' ? `twilio_http_${e.status}` : 'twilio_network' };
}

export function twilioProvider(channel: Extract<DeliveryChannel, 'sms' | 'voice'>, settings: TwilioSettings): DeliveryProvider {
  const client = twilio(settings.accountSid, settings.authToken, {
    httpClient: settings.httpClient ?? createTwilioFetchClient({ baseUrl: settings.baseUrl, timeoutMs: settings.timeoutMs ?? 5_000 }),
  });
  const sender = settings.messagingServiceSid ? { messagingServiceSid: settings.messagingServiceSid } : { from: settings.from! };
  const callback = (m: OutgoingMessage) => `${settings.statusCallbackUrl}?delivery_id=${encodeURIComponent(m.deliveryId)}`;

  async function one(m: OutgoingMessage): Promise<SendOutcome> {
    try {
      if (channel === 'sms') {
        const message = await client.messages.create({ to: m.to, body: m.rendered.text ?? '', statusCallback: callback(m), ...sender });
        return { deliveryId: m.deliveryId, outcome: 'accepted', providerId: message.sid };
      }
      const response = new twilio.twiml.VoiceResponse();
      const voice = voices[m.rendered.locale] ?? voices.en!;
      response.say({ language: voice.language as never, voice: voice.voice as never }, m.rendered.text ?? '');
      const twiml = response.toString();
      // Twilio refuses inline TwiML over 4000 characters (error 32018): no retry will change that.
      if (twiml.length > 4000) return { deliveryId: m.deliveryId, outcome: 'permanent', errorCode: 'twiml_too_long' };
      const call = await client.calls.create({ to: m.to, from: settings.from!, twiml, statusCallback: callback(m) });
      return { deliveryId: m.deliveryId, outcome: 'accepted', providerId: call.sid };
    } catch (err) {
      return outcomeOfTwilioError(m.deliveryId, err);
    }
  }

  /**
   * SMS only: a message counts as this notice when it went to this number since the attempt began AND
   * carries this notice's exact text; each message found answers for one notice, so two people sharing a
   * number never take each other's. A call's resource carries neither its script nor our id, so calls
   * are settled from their status callbacks (which carry the delivery id) or by the unknown-outcome rule.
   */
  async function lookup(requests: LookupRequest[]): Promise<LookupAnswer> {
    // Without the text no message can be told to be this notice: left to the stored callbacks and the rule.
    if (requests.some((r) => r.text === null)) return { kind: 'later', detail: 'a notice without its text cannot be matched' };
    const byNumber = new Map<string, LookupRequest[]>();
    for (const r of requests) byNumber.set(r.to, [...(byNumber.get(r.to) ?? []), r]);
    const found = new Map<string, string | null>();
    try {
      for (const [to, asked] of byNumber) {
        const since = new Date(Math.min(...asked.map((r) => r.since.getTime())));
        const messages = await client.messages.list({ to, dateSentAfter: since, limit: 200 });
        const taken = new Set<string>();
        for (const r of asked) {
          const match = messages.find((m) => !taken.has(m.sid) && m.body !== null && (r.pageLinkStandIn && r.text ? sameTextWithNoticeLink(r.text, r.pageLinkStandIn, m.body) : m.body === r.text));
          if (!match) continue;
          taken.add(match.sid);
          found.set(r.deliveryId, match.sid);
        }
      }
    } catch (err) {
      const outcome = outcomeOfTwilioError('lookup', err);
      return { kind: 'later', detail: outcome.outcome === 'rate_limited' ? 'Twilio rate limit' : `Twilio look-up failed (${'errorCode' in outcome ? outcome.errorCode : 'error'})` };
    }
    return { kind: 'answered', found };
  }

  return {
    name: 'twilio',
    account: `twilio:${settings.accountSid}`,
    ...(channel === 'sms' ? { lookup } : {}),
    channel,
    maxBatch: 1000,
    capture: false,
    send: (messages, hooks = {}) => sendEach(messages, settings.concurrency ?? 100, hooks, one),
  };
}
