// The status page on Workers: rendered documents kept in the data centre's cache (the Cache API),
// under keys that carry the page's publish generation.
//
// Why the Cache API and generation keys rather than a cache purged by tag on publish: a publish
// commits the new generation in the same transaction as the change, so the next request anywhere
// reads it and asks for a key nothing was ever stored under — nothing has to reach every data
// centre, and nothing can fail between the commit and a purge call and leave an old page up. A
// purge would also need a zone, an API token in the Worker and a call to Cloudflare's API (none of
// which the local runtime can run), and does nothing on workers.dev. What it costs: one read of
// one row by key per request (the cheap check), where a purged cache would need none. A quiet
// page never reads the announcements: the isolate's memory or the data centre's cache answers.
import type { Db } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { publicVersion, publishedContent } from './service.js';
import { renderDocument, renderedFromBytes, type BuildDocument, type PublicPageOptions, type PublicPages, type Rendered } from './public.js';

/** What this module needs of the Workers Cache API (`caches.default`). */
export interface EdgeCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

export interface EdgePageOptions extends PublicPageOptions {
  cache: EdgeCache;
  logger: Logger;
  /**
   * How long the data centre keeps a document. A publish changes the key, so this bounds only
   * storage and how long a redeployed page design takes to show.
   */
  ttlSeconds?: number;
}

// A document `build` found nothing for (an unknown slug) is kept too, so unknown slugs cost no reads.
const missingHeader = 'x-breachkit-missing';

export class EdgePageCache implements PublicPages {
  // Documents of the newest generation this isolate has seen (an isolate serves many requests).
  private generation = -1;
  private rendered = new Map<string, Rendered | null>();

  constructor(private readonly options: EdgePageOptions) {}

  /** Never current without asking: another isolate or data centre may have published. */
  peek(): undefined {
    return undefined;
  }

  /** The generation is read on every request, so a publish here needs nothing more. */
  invalidate(): void {}

  async get(db: Db, key: string, type: string, headers: Record<string, string>, build: BuildDocument): Promise<Rendered | null> {
    const generation = await publicVersion(db);
    if (generation > this.generation) {
      this.generation = generation;
      this.rendered.clear();
    }
    const current = generation === this.generation;
    if (current && this.rendered.has(key)) return this.rendered.get(key)!;

    const url = `${this.options.baseUrl}/.public-cache/${generation}/${encodeURIComponent(key)}`;
    let doc: Rendered | null;
    const hit = await this.options.cache.match(url);
    if (hit) {
      doc = hit.headers.has(missingHeader) ? null : renderedFromBytes(new Uint8Array(await hit.arrayBuffer()), type, headers);
    } else {
      // Read after the generation, so it is at least that new: never older content under a newer key.
      doc = renderDocument(await publishedContent(db), this.options, type, headers, build);
      const stored = new Response(doc?.body ?? null, {
        headers: { 'cache-control': `public, max-age=${this.options.ttlSeconds ?? 60}`, 'content-type': type, ...(doc ? {} : { [missingHeader]: '1' }) },
      });
      try {
        await this.options.cache.put(url, stored);
      } catch (err) {
        // The page is still answered; the next request renders it again.
        this.options.logger.warn({ err }, 'could not store a public document in the edge cache');
      }
    }
    if (current) this.rendered.set(key, doc);
    return doc;
  }
}
