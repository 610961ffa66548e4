// How a provider's logic reaches its REST API: the SDK's own request method on Node, plain fetch on Workers.

export interface ProviderRequest {
  method: 'GET' | 'POST';
  /** From the API's root, e.g. `/v3/mail/send`. */
  path: string;
  query?: Record<string, string | number>;
  /** A JSON body (SendGrid), or form fields (Twilio); never both. */
  json?: unknown;
  form?: Record<string, string | undefined>;
}

export interface ProviderResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON where the answer is JSON, else its text. */
  body: unknown;
}

/** Answers every HTTP status as a response; throws only when no answer came (network error, timeout). */
export interface ProviderTransport {
  request(r: ProviderRequest): Promise<ProviderResponse>;
}

/** A JSON body when it parses, else the text as it came. */
export function parseBody(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return text;
  }
}

export function lowerCaseHeaders(headers: Record<string, unknown> | Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, name) => (out[name.toLowerCase()] = value));
  } else {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** Form or query encoding: fields without a value are left out. */
export function encodeForm(fields: Record<string, string | number | undefined>): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) out.append(name, String(value));
  return out;
}

/**
 * A transport over `fetch` (any runtime; the one Workers use): `baseUrl` plus the request's path, the
 * given authorization header, a timeout. It never retries: a 429 goes back to the caller, whose rate
 * limiter decides.
 */
export function fetchTransport(options: { baseUrl: string; authorization: string; timeoutMs?: number; fetch?: typeof fetch }): ProviderTransport {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async request(r) {
      const query = r.query ? encodeForm(r.query).toString() : '';
      const headers: Record<string, string> = { authorization: options.authorization, accept: 'application/json' };
      let body: string | undefined;
      if (r.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(r.json);
      } else if (r.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = encodeForm(r.form).toString();
      }
      const response = await doFetch(`${base}${r.path}${query ? `?${query}` : ''}`, {
        method: r.method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      return { status: response.status, headers: lowerCaseHeaders(response.headers), body: parseBody(await response.text()) };
    },
  };
}
