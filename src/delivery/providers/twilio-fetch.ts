// Twilio's 2010-04-01 REST API through fetch: the transport the Workers build sends SMS and calls with (no SDK in its bundle).
import { fetchTransport, type ProviderTransport } from './transport.js';

export function twilioFetchTransport(options: { accountSid: string; authToken: string; baseUrl?: string; timeoutMs?: number }): ProviderTransport {
  return fetchTransport({
    baseUrl: options.baseUrl ?? 'https://api.twilio.com',
    authorization: `Basic ${btoa(`${options.accountSid}:${options.authToken}`)}`,
    timeoutMs: options.timeoutMs,
  });
}
