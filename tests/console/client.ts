// A cookie-keeping client for the console, in process: it signs in through the form and posts forms with the page's CSRF token.
import type { Harness } from '../helpers/harness.js';

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** The Set-Cookie headers of the last response, as sent. */
  lastSetCookie: string[] = [];
  lastHtml = '';

  constructor(
    private readonly h: Harness,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(method: string, path: string, form?: Record<string, string | string[]>): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.h.app.request(path, { method, headers, body });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    if ((res.headers.get('content-type') ?? '').startsWith('text/html')) this.lastHtml = await res.clone().text();
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request('GET', path);
  }

  /** Posts a form with the CSRF token of the last page shown, as a browser would. */
  post(path: string, form: Record<string, string | string[]> = {}): Promise<Response> {
    return this.request('POST', path, { csrf: csrfIn(this.lastHtml), ...form });
  }

  async signIn(token: string): Promise<Response> {
    await this.get('/console/sign-in');
    return this.post('/console/sign-in', { key: token });
  }
}

export function csrfIn(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** The text of a page without its markup, for checking what a person would read. */
export function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ');
}
