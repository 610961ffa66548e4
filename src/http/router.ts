// The app's router: the public status-page routes in a router of their own, everything else in another.
// The API's routes include shapes the fastest router cannot hold (a static segment beside a parameter
// under another parameter), which sends every route through the slower tree router. The public pages,
// read thousands of times a second during an incident, keep the fast one.
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

const smart = <T>() => new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });

export class SplitRouter<T> implements Router<T> {
  readonly name = 'SplitRouter';
  private readonly own = smart<T>();
  private readonly rest = smart<T>();

  /** `isOwn` picks the paths (as registered, and as requested) that belong to the separate router. */
  constructor(private readonly isOwn: (path: string) => boolean) {}

  add(method: string, path: string, handler: T): void {
    (this.isOwn(path) ? this.own : this.rest).add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    if (this.isOwn(path)) {
      const found = this.own.match(method, path);
      // A public-looking path that no public route takes goes on to the API's middleware and not-found answer.
      if (found[0].length) return found;
    }
    return this.rest.match(method, path);
  }
}

/** The public paths: the status page (see announcements/public.ts) and the notice pages (notice-pages/routes.ts). */
export const isPublicPath = (path: string) =>
  path.startsWith('/api/v2/') || path === '/status' || path.startsWith('/status/') || path.startsWith('/history.') || path.startsWith('/n/');
