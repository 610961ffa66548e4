// /docs: the API reference (Scalar), served from the installed package with no request to any other origin.
import { Hono } from 'hono';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

/**
 * Scalar's settings for a page that stays on its own origin: no web fonts from Scalar's servers, no
 * request proxy, no telemetry, no AI agent (it searches Scalar's registry).
 */
const referenceConfiguration = {
  url: '/openapi.json',
  withDefaultFonts: false,
  proxyUrl: '',
  telemetry: false,
  agent: { disabled: true },
  documentDownloadType: 'json',
  metaData: { title: 'breachkit API' },
};

const escapeAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>breachkit API</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration="${escapeAttribute(JSON.stringify(referenceConfiguration))}"></script>
<script src="/docs/api-reference.js"></script>
</body>
</html>`;

// Only this origin, for everything; Scalar styles itself with inline style elements and data: images.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The reference page and its script. `script` is Scalar's standalone build, read by the runtime's entry point. */
export function docsRoutes(script: string | undefined): Hono<AppEnv> {
  const bytes = script === undefined ? undefined : new TextEncoder().encode(script);
  return new Hono<AppEnv>()
    .get('/docs', (c) => c.html(page, 200, { 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }))
    .get('/docs/api-reference.js', (c) => {
      if (!bytes) throw new ApiError('not_found', 'The API reference script is not bundled in this build; /openapi.json has the document.');
      return c.body(bytes, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
    });
}
