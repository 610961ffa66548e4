// A real OpenID Connect provider (oidc-provider) for the console's single sign-on tests, and signing in at its own pages.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';

export const oidcClient = { id: 'breachkit-console', secret: 'console-secret-for-tests-only-0123456789' };

/** The settings that point a harness at the provider. */
export const oidcEnv = (issuer: string) => ({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: oidcClient.id, OIDC_CLIENT_SECRET: oidcClient.secret, OIDC_ROLE_CLAIM: 'breachkit_role' });

/** Starts the provider on a free port; `roleOf` gives each login's role claim (undefined: none). */
export async function startOidcProvider(appBase: string, roleOf: Record<string, unknown>, onRequest?: (url: string, issuer: string) => void): Promise<{ issuer: string; server: Server }> {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server = createServer((req, res) => handler!(req, res));
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: oidcClient.id,
        client_secret: oidcClient.secret,
        redirect_uris: [`${appBase}/console/oidc/callback`],
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
  handler = (req, res) => {
    onRequest?.(req.url ?? '', issuer);
    return callback(req, res);
  };
  return { issuer, server };
}

/** Follows the console's single sign-on link and signs in at the provider's own pages (login, then consent). */
export async function ssoSignIn(page: Page, base: string, issuer: string, login: string, beforeLeaving?: () => Promise<void>): Promise<void> {
  await page.goto(`${base}/console/sign-in`);
  await beforeLeaving?.();
  await page.locator('a[href^="/console/oidc/start"]').click();
  await page.waitForURL(`${issuer}/**`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any');
  await page.locator('button[type=submit]').click();
  await page.waitForLoadState();
  if (page.url().startsWith(issuer)) await page.locator('button[type=submit]').click();
}
