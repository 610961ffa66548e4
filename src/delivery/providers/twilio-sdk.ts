// Twilio on Node: the provider logic over the SDK's own request method (`client.request`), as the Node processes send.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { createTwilioFetchClient } from './sdk-base-url.js';
import { twilioProvider, type TwilioSettings } from './twilio.js';
import type { DeliveryProvider } from './types.js';
import { lowerCaseHeaders, parseBody, type ProviderTransport } from './transport.js';
import type { DeliveryChannel } from '../ledger.js';

export interface TwilioSdkOptions {
  accountSid: string;
  authToken: string;
  baseUrl?: string;
  timeoutMs?: number;
  /** The HTTP client under the SDK; a `fetch` client unless the host gives a better one (the Node worker: kept-alive node:http). */
  httpClient?: RequestClient;
}

export function twilioSdkTransport(options: TwilioSdkOptions): ProviderTransport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: options.httpClient ?? createTwilioFetchClient({ baseUrl: options.baseUrl, timeoutMs }),
  });
  return {
    async request(r) {
      const response = await client.request({
        method: r.method === 'GET' ? 'get' : 'post',
        uri: `https://api.twilio.com${r.path}`,
        params: r.query,
        data: r.form,
        timeout: timeoutMs,
      });
      return { status: response.statusCode, headers: lowerCaseHeaders(response.headers as Record<string, unknown>), body: typeof response.body === 'string' ? parseBody(response.body) : response.body };
    },
  };
}

export function twilioSdkProvider(channel: Extract<DeliveryChannel, 'sms' | 'voice'>, settings: TwilioSettings & Pick<TwilioSdkOptions, 'httpClient'>): DeliveryProvider {
  return twilioProvider(channel, settings, twilioSdkTransport(settings));
}
