// Single sign-on against a real OpenID Connect provider (oidc-provider) started here: the authorization-code flow with PKCE, driven in Chromium.
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { roleFromClaim } from '../../src/console/oidc.js';
import { expectAccessible, watch } from './page-check.js';
import { oidcEnv, ssoSignIn as signInAtProvider, startOidcProvider } from '../helpers/oidc-provider.js';

let h: Harness;
let app: ServerType;
let idp: Server;
let browser: Browser;
let base: string;
let issuer: string;
/** What the provider was asked, to check the console used PKCE. */
const authorizations: URLSearchParams[] = [];

/** Accounts at the provider: the login name decides the role claim (none for `nobody`, two for `torn`). */
const roleOf: Record<string, unknown> = { ana: 'responder', vic: 'viewer', nobody: undefined, torn: ['viewer', 'approver'] };

beforeAll(async () => {
  // Both servers listen first, so each knows the other's address before it is configured.
  let appFetch: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const appPort = await new Promise<number>((resolve) => {
    app = serve({ fetch: (req) => appFetch(req), port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  base = `http://127.0.0.1:${appPort}`;
  ({ issuer, server: idp } = await startOidcProvider(base, roleOf, (url, at) => {
    if (url.startsWith('/auth?')) authorizations.push(new URL(url, at).searchParams);
  }));
  h = await createHarness('pglite', { env: oidcEnv(issuer) });
  appFetch = (req) => h.app.fetch(req);
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  app?.close();
  idp?.close();
  await h?.db.close();
});

/** Signs in at the provider's own pages (login, then consent) after following the console's link. */
const ssoSignIn = (page: Page, login: string) => signInAtProvider(page, base, issuer, login, () => expectAccessible(page, 'sign-in with single sign-on offered'));

it.runIf(hasChromium)('signs a responder in through the provider with PKCE, with the role from the claim, and acts as them', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { problems } = watch(page, base);
  await ssoSignIn(page, 'ana');
  await page.waitForURL(`${base}/console/incidents`);
  const header = await page.locator('header').innerText();
  expect(header).toContain('Ana (SSO)');
  expect(header).toContain('responder');
  await expectAccessible(page, 'incidents after single sign-on');
  const asked = authorizations.at(-1)!;
  expect(asked.get('code_challenge_method')).toBe('S256');
  expect(asked.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  expect(asked.get('state')).toBeTruthy();
  expect(asked.get('nonce')).toBeTruthy();
  // The session cookie is the console's own: HttpOnly and SameSite=Strict.
  const cookie = (await context.cookies(base)).find((c) => c.name === 'bk_console')!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  // Acting: the timeline names the person signed in.
  await page.goto(`${base}/console/incidents/new`);
  await page.fill('#f-title', 'Laptop with a customer export lost');
  await page.selectOption('#f-nature', 'loss_or_theft');
  await page.fill('#f-discovered_at', new Date(Date.now() - 3_600_000).toISOString().slice(0, 19));
  await page.locator('form[action="/console/incidents"] button[type=submit]').click();
  await page.waitForURL(/\/console\/incidents\/inc_\w+$/);
  const id = /inc_\w+/.exec(page.url())![0];
  const timeline = await json<{ events: { type: string; actor: string }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
  expect(timeline.events[0]).toMatchObject({ type: 'incident.opened', actor: 'Ana (SSO) (sso:ana)' });
  // A callback this browser did not start (no login cookie; the code spent anyway) signs no one in.
  const replay = await fetch(`${base}/console/oidc/callback?code=spent&state=${asked.get('state')}`);
  expect(replay.status).toBe(400);
  expect(problems.filter((p) => !p.startsWith('external request:'))).toEqual([]);
  await context.close();
}, 120_000);

it.runIf(hasChromium)('gives a viewer from the provider no write controls', async () => {
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  const context = await browser.newContext();
  const page = await context.newPage();
  await ssoSignIn(page, 'vic');
  await page.waitForURL(`${base}/console/incidents`);
  expect(await page.locator('header').innerText()).toContain('viewer');
  await page.goto(`${base}/console/incidents/${id}`);
  expect(await page.locator('main form').count()).toBe(0);
  await context.close();
}, 120_000);

it.runIf(hasChromium)('refuses an account whose claim names no role, or several', async () => {
  for (const login of ['nobody', 'torn']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await ssoSignIn(page, login);
    await page.waitForURL(`${base}/console/oidc/callback**`);
    expect(await page.locator('main').innerText()).toMatch(login === 'nobody' ? /no breachkit role/ : /several breachkit roles \(viewer, approver\)/);
    await expectAccessible(page, `single sign-on refused (${login})`);
    expect((await context.cookies(base)).some((c) => c.name === 'bk_console')).toBe(false);
    await context.close();
  }
}, 120_000);

it('reads one role from the claim: a string, or a list where admin holds the others', () => {
  expect(roleFromClaim('approver', 'r')).toBe('approver');
  expect(roleFromClaim(['viewer', 'admin'], 'r')).toBe('admin');
  expect(roleFromClaim(['viewer', 'viewer', 'unrelated'], 'r')).toBe('viewer');
  expect(() => roleFromClaim(['viewer', 'approver'], 'r')).toThrow(/several/);
  expect(() => roleFromClaim(undefined, 'groups')).toThrow(/"groups" must name one of/);
  expect(() => roleFromClaim(7, 'r')).toThrow(/no breachkit role/);
});
