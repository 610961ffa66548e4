// Console sign-in: cookie flags, CSRF, idle and absolute expiry, sign-out and key revocation, security headers.
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { fixedClock } from '../../src/lib/clock.js';
import { ConsoleClient, textOf } from './client.js';

const clock = fixedClock(new Date());

async function incidentCount(h: Harness): Promise<number> {
  const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from incidents`;
  return row!.n;
}

describeEachDatabase(
  'console sessions',
  (harness) => {
    it('sends a strict Content-Security-Policy with a fresh nonce that only its own script carries, and forbids framing and sniffing', async () => {
      const client = new ConsoleClient(harness());
      const res = await client.get('/console/sign-in');
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
      const html = await res.text();
      expect(html.match(/<script[^>]*>/g)).toEqual([expect.stringContaining(`nonce="${nonce}"`)]);
      expect(html).not.toMatch(/ style=|<style/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const again = await client.get('/console/sign-in');
      expect(again.headers.get('content-security-policy')).not.toContain(nonce);
      // Assets come from breachkit itself, typed and not sniffable.
      const script = await client.get(/src="([^"]+)"/.exec(html)![1]!);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(script.headers.get('x-content-type-options')).toBe('nosniff');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    });

    it('keeps the console out of the OpenAPI document', async () => {
      const doc = await json<{ paths: Record<string, unknown> }>(await harness().request('GET', '/openapi.json', { as: null }));
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
      expect(Object.keys(doc.paths)).toContain('/v1/incidents');
    });

    it('signs in with an API key into an HttpOnly, SameSite=Strict session cookie that holds no key', async () => {
      const h = harness();
      const client = new ConsoleClient(h);
      const wrong = await client.signIn('bk_not-a-key');
      expect(wrong.status).toBe(400);
      expect(textOf(await wrong.text())).toContain('That key is unknown or revoked.');
      const res = await client.signIn(h.tokens.responder);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/incidents');
      const cookie = client.lastSetCookie.find((c) => c.startsWith('bk_console='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toMatch(/Secure/);
      expect(cookie).not.toContain(h.tokens.responder);
      const page = await client.get('/console/incidents');
      expect(page.status).toBe(200);
      expect(textOf(await page.text())).toContain('test responder');
      // Only a hash of the session id is stored.
      const rows = await h.db.sql<{ id_hash: string }[]>`select id_hash from console_sessions`;
      const token = client.cookies.get('bk_console')!;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.id_hash === token || r.id_hash.includes(token))).toBe(false);
    });

    it('marks the cookie Secure (and __Host-) behind https', async () => {
      const h = harness();
      const client = new ConsoleClient(h, { 'x-forwarded-proto': 'https' });
      const res = await client.signIn(h.tokens.viewer);
      expect(res.status).toBe(303);
      const cookie = client.lastSetCookie.find((c) => c.startsWith('__Host-bk_console='))!;
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).toMatch(/HttpOnly/);
      expect((await client.get('/console/incidents')).status).toBe(200);
    });

    it('refuses a form without its CSRF token, before and after sign-in', async () => {
      const h = harness();
      const client = new ConsoleClient(h);
      await client.get('/console/sign-in');
      const noToken = await client.request('POST', '/console/sign-in', { key: h.tokens.responder });
      expect(noToken.status).toBe(403);
      expect(client.cookies.has('bk_console')).toBe(false);
      await client.signIn(h.tokens.responder);
      const before = await incidentCount(h);
      const forged = await client.request('POST', '/console/incidents', { title: 'Forged', nature: 'other', severity: 'low', discovered_at: '2026-01-01T00:00', csrf: 'f'.repeat(64) });
      expect(forged.status).toBe(403);
      expect(textOf(await forged.text())).toContain('did not come from this console');
      const missing = await client.request('POST', '/console/incidents', { title: 'Forged', nature: 'other', severity: 'low', discovered_at: '2026-01-01T00:00' });
      expect(missing.status).toBe(403);
      const after = await incidentCount(h);
      expect(after).toBe(before);
      // Another session's token is no good either.
      const other = new ConsoleClient(h);
      await other.signIn(h.otherTokens.responder);
      await other.get('/console/incidents');
      const crossed = await client.request('POST', '/console/sign-out', { csrf: /name="csrf" value="([^"]+)"/.exec(other.lastHtml)![1]! });
      expect(crossed.status).toBe(403);
    });

    it('ends a session left idle, and one past its absolute limit however busy', async () => {
      const h = harness();
      const idle = new ConsoleClient(h);
      await idle.signIn(h.tokens.viewer);
      clock.advance(29 * 60_000);
      expect((await idle.get('/console/incidents')).status).toBe(200);
      clock.advance(30 * 60_000);
      const res = await idle.get('/console/incidents');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/sign-in?ended=idle&next=%2Fconsole%2Fincidents');
      expect(textOf(await (await idle.get(res.headers.get('location')!)).text())).toContain('ended after a period without use');

      const busy = new ConsoleClient(h);
      await busy.signIn(h.tokens.viewer);
      // Used every quarter of an hour for 11 h 59 min: never idle, then past 12 hours.
      for (let q = 0; q < 47; q++) {
        clock.advance(15 * 60_000);
        expect((await busy.get('/console/incidents')).status).toBe(200);
      }
      clock.advance(14 * 60_000);
      expect((await busy.get('/console/incidents')).status).toBe(200);
      clock.advance(2 * 60_000);
      const ended = await busy.get('/console/incidents');
      expect(ended.headers.get('location')).toContain('ended=expired');
    });

    it('signs out: the old cookie no longer opens anything', async () => {
      const h = harness();
      const client = new ConsoleClient(h);
      await client.signIn(h.tokens.responder);
      const token = client.cookies.get('bk_console')!;
      await client.get('/console/incidents');
      const out = await client.post('/console/sign-out');
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/console/sign-in?ended=signed_out');
      const replay = new ConsoleClient(h);
      replay.cookies.set('bk_console', token);
      const res = await replay.get('/console/incidents');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toContain('/console/sign-in?ended=unknown');
    });

    it('ends the sessions of a revoked key at once', async () => {
      const h = harness();
      const created = await json<{ id: string; token: string }>(await h.request('POST', '/v1/api-keys', { json: { name: 'Short-lived responder', role: 'responder' } }));
      const client = new ConsoleClient(h);
      await client.signIn(created.token);
      expect((await client.get('/console/incidents')).status).toBe(200);
      expect((await h.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
      const res = await client.get('/console/incidents');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toContain('ended=revoked');
      expect((await client.signIn(created.token)).status).toBe(400);
    });
  },
  { clock },
);
