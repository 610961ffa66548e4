// SMS and voice calls through Twilio: one request per message, a status callback carrying the delivery id.
import twilio from 'twilio';
import type { DeliveryChannel } from '../ledger.js';
import type { DeliveryProvider, OutgoingMessage, SendOutcome } from './types.js';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { createTwilioFetchClient } from './sdk-base-url.js';
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
    httpClient: settings.httpClient ?? createTwilioFetchClient({ baseUrl: settings.baseUrl, timeoutMs: settings.timeoutMs ?? 30_000 }),
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

  return {
    name: 'twilio',
    // Twilio cannot be asked by our id: any message or call to the number since the send began counts.
    async lookup(m) {
      const found =
        channel === 'sms'
          ? (await client.messages.list({ to: m.to, dateSentAfter: m.since, limit: 20 }))[0]
          : (await client.calls.list({ to: m.to, startTimeAfter: m.since, limit: 20 }))[0];
      return found ? { found: true, providerId: found.sid } : { found: false };
    },
    channel,
    maxBatch: 1000,
    capture: false,
    send: (messages, hooks = {}) => sendEach(messages, settings.concurrency ?? 100, hooks, one),
  };
}
