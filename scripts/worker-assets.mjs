// Writes worker-assets/: the static files the Workers build serves beside the Worker (wrangler.toml [assets]).
// Scalar's standalone API reference script (3.5 MB) is served from here instead of being bundled into the Worker;
// on Node the server reads it from the installed package. Run by `npm ci` (postinstall) and by wrangler's [build].
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'worker-assets');
const require = createRequire(join(root, 'package.json'));
const standalone = join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');

mkdirSync(join(out, 'docs'), { recursive: true });
copyFileSync(standalone, join(out, 'docs', 'api-reference.js'));
// The headers /docs/api-reference.js has on Node (src/http/docs.ts).
writeFileSync(join(out, '_headers'), '/docs/api-reference.js\n  Cache-Control: public, max-age=3600\n  X-Content-Type-Options: nosniff\n');
