// Points the provider SDKs at another base URL (a proxy, or the test fakes) without touching their request code.
import type { MailService } from '@sendgrid/mail';
import type RequestClient from 'twilio/lib/base/RequestClient';

/** The slice of the SendGrid client the SDK's type declarations leave out. */
interface MailServiceWithClient {
  client: { setDefaultRequest(key: 'baseUrl', value: string): unknown };
}

/**
 * Sets the key and, when given, the base URL and timeout. The order matters: `setApiKey` resets the
 * base URL to SendGrid's region host, so the override has to come after it.
 */
export function configureSendgridMail(mail: MailService, options: { apiKey: string; baseUrl?: string; timeoutMs?: number }): void {
  mail.setApiKey(options.apiKey);
  if (options.baseUrl) {
    const baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    (mail as unknown as MailServiceWithClient).client.setDefaultRequest('baseUrl', baseUrl);
  }
  // The SDK waits forever by default.
  if (options.timeoutMs) mail.setTimeout(options.timeoutMs);
}

/** What the twilio SDK hands its HTTP client (`BaseTwilio.request`). */
export interface TwilioHttpRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  authStrategy?: { getAuthString(): Promise<string> };
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}

export interface TwilioHttpResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

/** Moves a Twilio API URL onto `baseUrl`, keeping path and query; unchanged when no base URL is set. */
export function rewriteTwilioUrl(uri: string, baseUrl: string | undefined): string {
  if (!baseUrl) return uri;
  const url = new URL(uri);
  return baseUrl.replace(/\/+$/, '') + url.pathname + url.search;
}

/** Form or query encoding as the SDK's own client does it: arrays become repeated fields. */
export function encodeFields(fields: Record<string, unknown>): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, String(v));
    else out.append(name, String(value));
  }
  return out;
}

/** What the SDK asks for, as a URL, headers and an encoded body: shared by the fetch client and the Node one. */
export async function prepareTwilioRequest(opts: TwilioHttpRequest, baseUrl: string | undefined): Promise<{ uri: string; headers: Record<string, string>; body: string | undefined }> {
  const headers: Record<string, string> = { ...opts.headers };
  // Hop-by-hop headers are the HTTP client's business.
  delete headers.Connection;
  delete headers.connection;
  if (opts.username && opts.password) headers.Authorization = `Basic ${btoa(`${opts.username}:${opts.password}`)}`;
  else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
  let uri = rewriteTwilioUrl(opts.uri, baseUrl);
  if (opts.params) {
    const query = encodeFields(opts.params).toString();
    if (query) uri += (uri.includes('?') ? '&' : '?') + query;
  }
  let body: string | undefined;
  if (opts.data) body = headers['Content-Type'] === 'application/json' ? JSON.stringify(opts.data) : encodeFields(opts.data).toString();
  return { uri, headers, body };
}

/**
 * A `fetch` HTTP client for the twilio SDK (`twilio(sid, token, { httpClient })`): it runs on Node and in
 * workerd and sends every request to `baseUrl` when one is given. It never retries: a 429 goes back to the
 * caller, whose rate limiter decides.
 */
export function createTwilioFetchClient(options: { baseUrl?: string; timeoutMs?: number; fetch?: typeof fetch } = {}): RequestClient {
  const doFetch = options.fetch ?? fetch;
  const client = {
    async request(opts: TwilioHttpRequest): Promise<TwilioHttpResponse> {
      const { uri, headers, body } = await prepareTwilioRequest(opts, options.baseUrl);
      const response = await doFetch(uri, {
        method: opts.method.toUpperCase(),
        headers,
        body,
        signal: AbortSignal.timeout(opts.timeout ?? options.timeoutMs ?? 30_000),
      });
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      return { statusCode: response.status, body: await response.text(), headers: responseHeaders };
    },
  };
  // The SDK types `httpClient` as its axios-based class, but only ever calls `request()`.
  return client as unknown as RequestClient;
}
