// The public notice page `/n/{token}`: one person's notice, no key needed, never indexed, rate-limited per client.
import { Hono } from 'hono';
import type { Db } from '../db/client.js';
import { sha256Base64 } from '../lib/hash.js';
import { ClientRateLimit, clientAddress } from '../lib/client-rate-limit.js';
import { problem } from '../http/errors.js';
import type { NoticeRenderer } from '../notices/renderer.js';
import { openNoticePage } from './service.js';

export interface NoticePageOptions {
  database: (env: unknown) => Db;
  renderer: NoticeRenderer;
  publicNoticeUrl: string;
  now: () => Date;
  ratePerMinute: number;
  /** The request header naming the client behind a proxy (its first address); unset: the connection's own address. */
  clientHeader?: string;
}

/** Every answer of this route: not indexed, not cached, not framed, no referrer (the link is the key). */
const baseHeaders = {
  'x-robots-tag': 'noindex, nofollow, noarchive',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

/** Nothing may load but the page's own stylesheet, named by its hash. */
function csp(html: string): string {
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${sha256Base64(m[1]!)}'`);
  return `default-src 'none'; style-src ${styles.length ? styles.join(' ') : "'none'"}; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

const notFoundHtml =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow"><title>Not found</title></head>' +
  '<body><h1>Not found</h1><p>未找到此页面。</p></body></html>';

export function noticePageRoutes(o: NoticePageOptions): Hono {
  const app = new Hono();
  const limit = new ClientRateLimit(o.ratePerMinute, o.ratePerMinute, () => o.now().getTime());
  app.get('/n/:token', async (c) => {
    const decision = limit.take(clientAddress(c, o.clientHeader));
    if (!decision.allowed) {
      const body = problem('too_many_requests', 'Too many notice pages were asked for from this address; try again later.', crypto.randomUUID());
      return c.body(JSON.stringify(body), 429, { ...baseHeaders, 'content-type': 'application/problem+json', 'retry-after': String(decision.retryAfterSeconds) });
    }
    const page = await openNoticePage(o.database(c.env), { renderer: o.renderer, token: c.req.param('token'), publicNoticeUrl: o.publicNoticeUrl, now: o.now(), record: c.req.method === 'GET' });
    if (!page) return c.body(notFoundHtml, 404, { ...baseHeaders, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp(notFoundHtml) });
    return c.body(page.html, 200, { ...baseHeaders, 'content-type': 'text/html; charset=utf-8', 'content-language': page.locale, 'content-security-policy': csp(page.html) });
  });
  return app;
}
