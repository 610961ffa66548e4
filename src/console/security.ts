// Response headers for every console page: a nonce-based Content-Security-Policy, no framing, no sniffing, no caching.
import type { MiddlewareHandler } from 'hono';
import { randomToken } from '../lib/hash.js';
import type { ConsoleEnv } from './context.js';

/** The policy for one response; scripts run only with this response's nonce, everything else comes from breachkit. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self'",
    "img-src 'self'",
    // Email and letter previews: documents of the console's own, sandboxed (see framedDocumentPolicy).
    "frame-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const securityHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const nonce = randomToken(18);
  c.set('nonce', nonce);
  await next();
  const h = c.res.headers;
  // A response that set its own policy (a framed preview) keeps it.
  if (!h.has('content-security-policy')) {
    h.set('content-security-policy', contentSecurityPolicy(nonce));
    h.set('x-frame-options', 'DENY');
  }
  h.set('x-content-type-options', 'nosniff');
  h.set('referrer-policy', 'same-origin');
  h.set('cross-origin-opener-policy', 'same-origin');
  h.set('cross-origin-resource-policy', 'same-origin');
  if (!h.has('cache-control')) h.set('cache-control', 'no-store');
};

/** Whether the browser reached us over https (directly, through a proxy that says so, or as configured). */
export function isHttps(url: string, forwardedProto: string | undefined, publicBaseUrl: string | undefined): boolean {
  if (new URL(url).protocol === 'https:') return true;
  if (forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https') return true;
  return publicBaseUrl?.startsWith('https:') ?? false;
}

/**
 * For a rendered email or letter shown inside a console page: its own inline styles apply (so it looks as
 * it will be received), but no script runs, nothing loads from elsewhere, and only the console may frame it.
 */
export const framedDocumentPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox";
