// A keep-alive node:http(s) client for the twilio SDK on Node: the same requests as the fetch client for far less CPU each.
import http from 'node:http';
import https from 'node:https';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { prepareTwilioRequest, type TwilioHttpRequest, type TwilioHttpResponse } from './sdk-base-url.js';

/**
 * Sends every request to `baseUrl` when one is given, over at most `maxSockets` kept-alive connections per
 * host (set it to the requests a worker keeps in flight). Like the fetch client it never retries.
 */
export function createTwilioNodeClient(options: { baseUrl?: string; timeoutMs?: number; maxSockets?: number } = {}): RequestClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 100 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const client = {
    async request(opts: TwilioHttpRequest): Promise<TwilioHttpResponse> {
      const { uri, headers, body } = await prepareTwilioRequest(opts, options.baseUrl);
      const timeoutMs = opts.timeout ?? options.timeoutMs ?? 30_000;
      if (body !== undefined) {
        headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const url = new URL(uri);
      const secure = url.protocol === 'https:';
      return new Promise<TwilioHttpResponse>((resolve, reject) => {
        const req = (secure ? https : http).request(
          url,
          { method: opts.method.toUpperCase(), headers, agent: secure ? httpsAgent : httpAgent, timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const responseHeaders: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
              resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: responseHeaders });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`Twilio request timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
  // The SDK types `httpClient` as its axios-based class, but only ever calls `request()`.
  return client as unknown as RequestClient;
}
