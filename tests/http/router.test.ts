// The split router: public pages on the fast router, the API on the other, each path answered as before.
import { expect, it } from 'vitest';
import { isPublicPath, SplitRouter } from '../../src/http/router.js';

it('keeps the public routes on the regular-expression router even when the API routes cannot use it', () => {
  const r = new SplitRouter<string>(isPublicPath);
  r.add('GET', '/api/v2/summary.json', 'summary');
  r.add('GET', '/status/:slug{[a-z0-9]{8,32}}', 'page');
  r.add('ALL', '/*', 'middleware');
  // Shapes that force the tree router on the API side.
  r.add('POST', '/v1/incidents/:id/notices/preview', 'preview');
  r.add('POST', '/v1/incidents/:id/notices/:version/approve', 'approve');
  const handlers = (method: string, path: string) => r.match(method, path)[0].map((m) => m[0]);
  expect(handlers('GET', '/api/v2/summary.json')).toEqual(['summary']);
  expect(handlers('GET', '/status/abcdefgh12')).toEqual(['page']);
  // A public-looking path that no public route takes reaches the API's middleware (and its not-found answer).
  expect(handlers('GET', '/status/x')).toEqual(['middleware']);
  expect(handlers('POST', '/v1/incidents/inc_1/notices/preview')).toEqual(['middleware', 'preview']);
  expect(handlers('POST', '/v1/incidents/inc_1/notices/3/approve')).toEqual(['middleware', 'approve']);
  const own = (r as unknown as { own: { name: string } }).own;
  expect(own.name).toBe('SmartRouter + RegExpRouter');
  const rest = (r as unknown as { rest: { name: string } }).rest;
  expect(rest.name).toBe('SmartRouter + TrieRouter');
});
