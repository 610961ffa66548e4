// SendGrid's v3 REST API through fetch: the transport the Workers build sends email with (no SDK in its bundle).
import { fetchTransport, type ProviderTransport } from './transport.js';

export function sendgridFetchTransport(options: { apiKey: string; baseUrl?: string; timeoutMs?: number }): ProviderTransport {
  return fetchTransport({ baseUrl: options.baseUrl ?? 'https://api.sendgrid.com', authorization: `Bearer ${options.apiKey}`, timeoutMs: options.timeoutMs });
}
