// Single sign-on against a real OpenID Connect provider (oidc-provider) started here: the authorization-code flow with PKCE, driven in Chromium.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import Provider from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { roleFromClaim } from '../../src/console/oidc.js';
import { expectAccessible, watch } from './page-check.js';

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

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  // Both servers listen first, so each knows the other's address before it is configured.
  let appFetch: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const appPort = await new Promise<number>((resolve) => {
    app = serve({ fetch: (req) => appFetch(req), port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  base = `http://127.0.0.1:${appPort}`;
  let idpHandler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  idp = createServer((req, res) => idpHandler!(req, res));
  issuer = `http://127.0.0.1:${await listen(idp)}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'breachkit-console',
        client_secret: 'console-secret-for-tests-only-0123456789',
        redirect_uris: [`${base}/console/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'breachkit_role'] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, name: `${id[0]!.toUpperCase()}${id.slice(1)} (SSO)`, ...(roleOf[id] === undefined ? {} : { breachkit_role: roleOf[id] }) }),
    }),
  });
  const callback = provider.callback();
  idpHandler = (req, res) => {
    if (req.url?.startsWith('/auth?')) authorizations.push(new URL(req.url, issuer).searchParams);
    return callback(req, res);
  };
  h = await createHarness('pglite', { env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'breachkit-console', OIDC_CLIENT_SECRET: 'console-secret-for-tests-only-0123456789', OIDC_ROLE_CLAIM: 'breachkit_role' } });
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
async function ssoSignIn(page: Page, login: string): Promise<void> {
  await page.goto(`${base}/console/sign-in`);
  await expectAccessible(page, 'sign-in with single sign-on offered');
  await page.locator('a[href^="/console/oidc/start"]').click();
  await page.waitForURL(`${issuer}/**`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any');
  await page.locator('button[type=submit]').click();
  await page.waitForLoadState();
  if (page.url().startsWith(issuer)) await page.locator('button[type=submit]').click();
}

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
