// SMS and voice calls through Twilio: one request per message, a status callback carrying the delivery id.
import type { DeliveryChannel } from '../ledger.js';
import type { DeliveryProvider, LookupAnswer, LookupRequest, OutgoingMessage, SendOutcome } from './types.js';
import type { ProviderResponse, ProviderTransport } from './transport.js';
import { sameTextWithNoticeLink } from '../../notice-pages/link.js';
import { permanentTwilioCodes } from './codes.js';
import { sendEach, slots, type Slots } from './pool.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from?: string;
  messagingServiceSid?: string;
  baseUrl?: string;
  /** Where Twilio posts status updates (our /webhooks/twilio, reachable from the internet). */
  statusCallbackUrl: string;
  /**
   * Requests in flight at most, shared by every send() of this provider (each SMS or call is a request of its
   * own): `concurrency` slots of its own, or `slots` shared with another provider on the same account.
   */
  concurrency?: number;
  slots?: Slots;
  timeoutMs?: number;
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

/** Twilio's error body (`code`, `message`, `status`) as the SDK's RestException carries it. */
function errorOf(response: ProviderResponse): TwilioError {
  const body = response.body as { code?: unknown } | null;
  return { status: response.status, code: typeof body?.code === 'number' ? body.code : undefined };
}

const xmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => xmlEscapes[c]!);

/** The call's script as TwiML: one `<Say>` in the notice's language, as the SDK's VoiceResponse writes it. */
export function sayTwiml(text: string, voice: { language: string; voice: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="${escapeXml(voice.language)}" voice="${escapeXml(voice.voice)}">${escapeXml(text)}</Say></Response>`;
}

/** Twilio's date-time filter format: seconds, UTC, no fraction. */
const twilioDateTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

export function outcomeOfTwilioError(deliveryId: string, err: unknown): SendOutcome {
  const e = err as TwilioError;
  if (e.status === 429 || e.code === 20429) return { deliveryId, outcome: 'rate_limited', retryAfterMs: null };
  if (typeof e.code === 'number' && permanentTwilioCodes.has(e.code)) return { deliveryId, outcome: 'permanent', errorCode: `twilio_${e.code}` };
  return { deliveryId, outcome: 'transient', errorCode: typeof e.code === 'number' ? `twilio_${e.code}` : typeof e.status === 'number' ? `twilio_http_${e.status}` : 'twilio_network' };
}

/** `transport` reaches the REST API: the SDK's client on Node (twilio-sdk.ts), fetch on Workers (twilio-fetch.ts). */
export function twilioProvider(channel: Extract<DeliveryChannel, 'sms' | 'voice'>, settings: TwilioSettings, transport: ProviderTransport): DeliveryProvider {
  const account = `/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}`;
  const limit = settings.slots ?? slots(settings.concurrency ?? 100);
  const sender = settings.messagingServiceSid ? { MessagingServiceSid: settings.messagingServiceSid } : { From: settings.from! };

  /** Creates a message or call; the answer's `sid`, or the refusal thrown as Twilio's error. */
  async function create(resource: 'Messages' | 'Calls', form: Record<string, string | undefined>): Promise<string> {
    const response = await transport.request({ method: 'POST', path: `${account}/${resource}.json`, form });
    if (response.status < 200 || response.status >= 300) throw errorOf(response);
    return String((response.body as { sid?: unknown } | null)?.sid ?? '');
  }
  const callback = (m: OutgoingMessage) => `${settings.statusCallbackUrl}?delivery_id=${encodeURIComponent(m.deliveryId)}`;

  async function one(m: OutgoingMessage): Promise<SendOutcome> {
    try {
      if (channel === 'sms') {
        const sid = await create('Messages', { To: m.to, Body: m.rendered.text ?? '', StatusCallback: callback(m), ...sender });
        return { deliveryId: m.deliveryId, outcome: 'accepted', providerId: sid };
      }
      const twiml = sayTwiml(m.rendered.text ?? '', voices[m.rendered.locale] ?? voices.en!);
      // Twilio refuses inline TwiML over 4000 characters (error 32018): no retry will change that.
      if (twiml.length > 4000) return { deliveryId: m.deliveryId, outcome: 'permanent', errorCode: 'twiml_too_long' };
      const sid = await create('Calls', { To: m.to, From: settings.from!, Twiml: twiml, StatusCallback: callback(m) });
      return { deliveryId: m.deliveryId, outcome: 'accepted', providerId: sid };
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
        // A look-up counts against the account's requests at once like a send does.
        const response = await limit.run(() => transport.request({ method: 'GET', path: `${account}/Messages.json`, query: { To: to, 'DateSent>': twilioDateTime(since), PageSize: 200 } }));
        if (response.status < 200 || response.status >= 300) throw errorOf(response);
        const messages = ((response.body as { messages?: { sid: string; body: string | null }[] } | null)?.messages ?? []);
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
    send: (messages, hooks = {}) => sendEach(messages, limit, hooks, one),
  };
}
