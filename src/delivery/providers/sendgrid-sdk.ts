// SendGrid on Node: the provider logic over the SDK's own request method (@sendgrid/mail's client), as the Node processes send.
import { MailService } from '@sendgrid/mail';
import { configureSendgridMail } from './sdk-base-url.js';
import { sendgridProvider, type SendgridSettings } from './sendgrid.js';
import type { DeliveryProvider } from './types.js';
import { lowerCaseHeaders, type ProviderTransport } from './transport.js';

interface SdkClient {
  request(r: { method: 'GET' | 'POST'; url: string; qs?: Record<string, string | number>; body?: unknown }): Promise<[{ statusCode: number; headers: Record<string, string>; body: unknown }]>;
}

/** The SDK rejects every status of 400 and above with a ResponseError; those come back as responses here. */
export function sendgridSdkTransport(options: { apiKey: string; baseUrl?: string; timeoutMs?: number }): ProviderTransport {
  const mail = new MailService();
  configureSendgridMail(mail, { apiKey: options.apiKey, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 30_000 });
  const client = (mail as unknown as { client: SdkClient }).client;
  return {
    async request(r) {
      try {
        const [response] = await client.request({ method: r.method, url: r.path, qs: r.query, body: r.json });
        return { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: response.body };
      } catch (err) {
        const e = err as { code?: unknown; response?: { headers?: Record<string, string>; body?: unknown } };
        if (typeof e.code === 'number' && e.response) return { status: e.code, headers: lowerCaseHeaders(e.response.headers), body: e.response.body };
        throw err;
      }
    },
  };
}

export function sendgridSdkProvider(settings: SendgridSettings): DeliveryProvider {
  return sendgridProvider(settings, sendgridSdkTransport(settings));
}
