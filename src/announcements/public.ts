// The public status page: read-only, no auth, open CORS, served from pre-rendered bytes with strong ETags.
import { Hono, type Context } from 'hono';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../db/client.js';
import { sha256Hex } from '../lib/hash.js';
import { ApiError } from '../http/errors.js';
import { publicVersion, publishedContent } from './service.js';
import { announcementHtml, feed, incidentsJson, indexHtml, pageLocales, publicPageCsp, statusJson, summaryJson, type PageInfo, type PageLocale, type PublicContent } from './views.js';

export interface Rendered {
  /** Encoded once, so a hit neither encodes nor measures the text again. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** The response headers of a 200 and of a 304, made once per document. */
  headers: Record<string, string>;
  notModifiedHeaders: Record<string, string>;
}

export interface PublicPageOptions {
  baseUrl: string;
  name: Record<PageLocale, string>;
  /** How long a process trusts its cache before asking the database whether anything was published. */
  checkEveryMs?: number;
  now: () => Date;
}

const cacheControl = 'public, max-age=30, s-maxage=60, stale-while-revalidate=300';
const utf8 = new TextEncoder();

/** Picks the page language from ?lang=, then Accept-Language, then English; undefined for a ?lang= we do not publish in. */
export function negotiateLocale(lang: string | undefined, acceptLanguage: string | undefined): PageLocale | undefined {
  const match = (tag: string): PageLocale | undefined => {
    const t = tag.trim().toLowerCase();
    if (t.startsWith('zh')) return 'zh-CN';
    if (t.startsWith('en')) return 'en';
    return undefined;
  };
  if (lang) return match(lang);
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { tag, q: Number.isFinite(q) ? q : 0 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag, q } of ranked) {
    const found = q > 0 ? match(tag) : undefined;
    if (found) return found;
  }
  return 'en';
}

export type BuildDocument = (content: PublicContent, page: PageInfo) => string | null;

/**
 * Where the rendered public documents are kept between requests: in the process on Node
 * (`PublicPageCache`), in the data centre's cache on Workers (`EdgePageCache`, edge-cache.ts).
 */
export interface PublicPages {
  /** The document when it is known to be current without any I/O; undefined sends the request to `get`. */
  peek(key: string): Rendered | undefined;
  /**
   * The current document, built on first use; null when `build` finds nothing.
   * `headers` are sent with it, beside its type and ETag.
   */
  get(db: Db, key: string, type: string, headers: Record<string, string>, build: BuildDocument): Promise<Rendered | null>;
  /** Something was published by this process: forget what it holds. */
  invalidate(): void;
}

/** Renders one document from the published content; null when `build` finds nothing. */
export function renderDocument(content: PublicContent, options: Pick<PublicPageOptions, 'name' | 'baseUrl'>, type: string, headers: Record<string, string>, build: BuildDocument): Rendered | null {
  const updatedAt = content.updates[0]?.published_at ?? content.announcements[0]?.published_at ?? new Date(0);
  const text = build(content, { name: options.name, baseUrl: options.baseUrl, updatedAt });
  if (text === null) return null;
  return renderedFromBytes(utf8.encode(text), type, headers);
}

/** A document from its bytes: its ETag and the headers of its 200 and 304 answers. */
export function renderedFromBytes(body: Uint8Array<ArrayBuffer>, type: string, headers: Record<string, string>): Rendered {
  const etag = `"${sha256Hex(body).slice(0, 32)}"`;
  const notModifiedHeaders = { ...headers, etag, 'cache-control': cacheControl };
  return { body, etag, notModifiedHeaders, headers: { ...notModifiedHeaders, 'content-type': type, 'content-length': String(body.byteLength) } };
}

/**
 * Holds the rendered public documents in the process. A publish in this process clears it at once;
 * other processes notice the new version within `checkEveryMs`.
 */
export class PublicPageCache implements PublicPages {
  private version = -1;
  private checkedAt = 0;
  private content: PublicContent | null = null;
  private rendered = new Map<string, Rendered>();
  private loading: Promise<void> | null = null;

  constructor(private readonly options: PublicPageOptions) {}

  invalidate(): void {
    this.checkedAt = 0;
  }

  private async refresh(db: Db): Promise<void> {
    const now = this.options.now().getTime();
    if (this.content && now - this.checkedAt < (this.options.checkEveryMs ?? 2000)) return;
    this.loading ??= (async () => {
      try {
        const version = await publicVersion(db);
        if (version !== this.version || !this.content) {
          this.content = await publishedContent(db);
          this.rendered.clear();
          this.version = version;
        }
        this.checkedAt = this.options.now().getTime();
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
  }

  /**
   * The cached document when the cache is fresh and already holds it, without waiting for anything:
   * the common case, answered synchronously.
   */
  peek(key: string): Rendered | undefined {
    if (!this.content || this.options.now().getTime() - this.checkedAt >= (this.options.checkEveryMs ?? 2000)) return undefined;
    return this.rendered.get(key);
  }

  async get(db: Db, key: string, type: string, headers: Record<string, string>, build: BuildDocument): Promise<Rendered | null> {
    await this.refresh(db);
    const cached = this.rendered.get(key);
    if (cached) return cached;
    const rendered = renderDocument(this.content!, this.options, type, headers, build);
    if (rendered) this.rendered.set(key, rendered);
    return rendered;
  }
}

/** Counts public requests and writes one summary line a minute instead of a line per request. */
export class PublicTraffic {
  private counts = new Map<string, number>();
  private since: number;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly everyMs = 60_000,
  ) {
    this.since = now();
  }

  count(path: string, status: number): void {
    const key = `${status} ${path.startsWith('/status/') ? '/status/:slug' : path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const t = this.now();
    if (t - this.since >= this.everyMs) this.flush(t);
  }

  flush(t = this.now()): void {
    if (this.counts.size) this.logger.info({ public_requests: Object.fromEntries(this.counts), seconds: Math.round((t - this.since) / 1000) }, 'public page traffic');
    this.counts.clear();
    this.since = t;
  }
}

/**
 * The public routes are mounted ahead of the API's middleware: at thousands of reads a second a
 * log line and a request id per hit would cost more than the page. Their traffic is summed up in
 * `PublicTraffic` instead, and errors still reach the app's error handler.
 */
export function publicRoutes(cache: PublicPages, db: (env: unknown) => Db, traffic: PublicTraffic): Hono {
  const app = new Hono();
  // Open CORS on the public reads only (this router sits at the root beside the API). The
  // headers go straight into each response: a middleware that touches c.res before the handler
  // forces the Node adapter off its fast path, at a third of the throughput.
  for (const path of ['/api/v2/*', '/history.atom', '/history.rss', '/status', '/status/*']) {
    app.options(path, (c) =>
      c.body(null, 204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'If-None-Match, Accept-Language',
        'access-control-max-age': '86400',
      }),
    );
  }

  const headersFor = (locale: PageLocale, type: string) => ({
    'content-language': locale,
    vary: 'Accept-Language',
    'access-control-allow-origin': '*',
    // Content-Language is readable cross-origin without being listed; ETag is not.
    'access-control-expose-headers': 'ETag',
    // These routes sit ahead of the API's middleware, so they set their own protective headers.
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'content-security-policy': publicPageCsp, 'referrer-policy': 'no-referrer' } : {}),
  });
  const answer = (c: Context, doc: Rendered | null): Response => {
    if (!doc) {
      traffic.count(c.req.path, 404);
      return c.text('Not found', 404, { 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' });
    }
    const match = c.req.header('if-none-match');
    if (match && (match === '*' || match.split(',').some((t) => t.trim().replace(/^W\//, '') === doc.etag))) {
      traffic.count(c.req.path, 304);
      return new Response(null, { status: 304, headers: doc.notModifiedHeaders });
    }
    traffic.count(c.req.path, 200);
    // A Response made here with plain headers, not through c.body(): Hono would copy them into a
    // Headers object, and the Node adapter would convert them back, on every hit.
    return new Response(doc.body, { status: 200, headers: doc.headers });
  };
  const serve =
    (key: (locale: PageLocale) => string, type: string, build: (content: PublicContent, page: PageInfo, locale: PageLocale) => string | null) =>
    (c: Context): Response | Promise<Response> => {
      const locale = negotiateLocale(c.req.query('lang'), c.req.header('accept-language'));
      if (!locale) throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: [{ field: 'query.lang', message: `must be one of ${pageLocales.join(', ')}` }] });
      const hit = cache.peek(key(locale));
      if (hit) return answer(c, hit);
      return cache.get(db(c.env), key(locale), type, headersFor(locale, type), (content, page) => build(content, page, locale)).then((doc) => answer(c, doc));
    };

  const json = 'application/json; charset=utf-8';
  app.get('/api/v2/summary.json', serve((l) => `summary:${l}`, json, (content, page, l) => JSON.stringify(summaryJson(page, content, l))));
  app.get('/api/v2/status.json', serve((l) => `status:${l}`, json, (content, page, l) => JSON.stringify(statusJson(page, content, l))));
  app.get('/api/v2/incidents.json', serve((l) => `incidents:${l}`, json, (content, page, l) => JSON.stringify(incidentsJson(page, content, l, false))));
  app.get('/api/v2/incidents/unresolved.json', serve((l) => `unresolved:${l}`, json, (content, page, l) => JSON.stringify(incidentsJson(page, content, l, true))));
  app.get('/history.atom', serve((l) => `atom:${l}`, 'application/atom+xml; charset=utf-8', (content, page, l) => feed(page, content, l, 'atom')));
  app.get('/history.rss', serve((l) => `rss:${l}`, 'application/rss+xml; charset=utf-8', (content, page, l) => feed(page, content, l, 'rss')));
  app.get('/status', serve((l) => `index:${l}`, 'text/html; charset=utf-8', (content, page, l) => indexHtml(page, content, l)));
  app.get('/status/:slug{[a-z0-9]{8,32}}', (c) => {
    const slug = c.req.param('slug');
    return serve(
      (l) => `page:${slug}:${l}`,
      'text/html; charset=utf-8',
      (content, page, l) => {
        const a = content.announcements.find((x) => x.slug === slug);
        return a ? announcementHtml(page, content, a, l) : null;
      },
    )(c);
  });
  return app;
}

export { pageLocales };
