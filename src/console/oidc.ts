// OpenID Connect single sign-on (authorization code with PKCE) through openid-client; the role comes from a configured claim.
import * as oidc from 'openid-client';
import type { Config } from '../config.js';
import { roles, type Role } from '../http/context.js';

export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  roleClaim: string;
}

export function ssoSettings(config: Config): SsoSettings | null {
  if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID) return null;
  return { issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET, roleClaim: config.OIDC_ROLE_CLAIM };
}

/** Why a sign-in was refused, in words a person can act on. */
export class SsoRefused extends Error {}

export interface SsoStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SsoIdentity {
  subject: string;
  name: string;
  role: Role;
}

const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

export class SingleSignOn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: SsoSettings) {}

  /** The provider's metadata, discovered once; a failed discovery is tried again on the next sign-in. */
  private config(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    // Plain http only for a provider on this machine (development and tests).
    const insecure = issuer.protocol === 'http:' && loopback.has(issuer.hostname);
    const auth = this.settings.clientSecret ? oidc.ClientSecretBasic(this.settings.clientSecret) : oidc.None();
    this.configuration ??= oidc.discovery(issuer, this.settings.clientId, undefined, auth, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined).catch((err: unknown) => {
      this.configuration = undefined;
      throw err;
    });
    return this.configuration;
  }

  async start(redirectUri: string): Promise<SsoStart> {
    const config = await this.config();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier };
  }

  /** Exchanges the code, checks state, nonce and PKCE, and reads who signed in and their role. */
  async finish(callbackUrl: URL, expected: { state: string; nonce: string; codeVerifier: string }): Promise<SsoIdentity> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: expected.codeVerifier, expectedState: expected.state, expectedNonce: expected.nonce, idTokenExpected: true });
    const claims: Record<string, unknown> = { ...tokens.claims() };
    const subject = String(claims.sub);
    // Many providers put custom claims only in userinfo.
    if (claimAt(claims, this.settings.roleClaim) === undefined || !claims.name) {
      Object.assign(claims, { ...(await oidc.fetchUserInfo(config, tokens.access_token, subject)), ...claims });
    }
    const role = roleFromClaim(claimAt(claims, this.settings.roleClaim), this.settings.roleClaim);
    const name = [claims.name, claims.preferred_username, claims.email, subject].find((v): v is string => typeof v === 'string' && v.trim() !== '')!;
    return { subject, name: name.slice(0, 200), role };
  }
}

/** A claim by name; a dotted name reaches into objects (e.g. `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  return name.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), claims);
}

/** One breachkit role from the claim: a string, or a list naming one role (admin wins, as it holds every other). */
export function roleFromClaim(value: unknown, claim: string): Role {
  const named = (Array.isArray(value) ? value : [value]).filter((v): v is Role => typeof v === 'string' && (roles as readonly string[]).includes(v));
  if (named.includes('admin')) return 'admin';
  const distinct = [...new Set(named)];
  if (distinct.length === 1) return distinct[0]!;
  if (!distinct.length) throw new SsoRefused(`Your account has no breachkit role: the claim "${claim}" must name one of ${roles.join(', ')}.`);
  throw new SsoRefused(`Your account has several breachkit roles (${distinct.join(', ')}) in "${claim}"; ask for exactly one.`);
}
