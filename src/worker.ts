// Cloudflare Workers entry: the same app, with a postgres.js client per request through Hyperdrive.
import type { ExecutionContext } from 'hono';
import postgres from 'postgres';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { runbookFiles, templateFiles } from './assets.generated.js';
import { loadRunbooks } from './runbooks/parse.js';
import { createNoticeRenderer } from './notices/render.js';
import { createDraftRenderer } from './obligations/draft.js';
import { EdgePageCache, type EdgeCache } from './announcements/edge-cache.js';

export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  [setting: string]: unknown;
}

let app: ReturnType<typeof createApp> | undefined;

/**
 * Cloudflare's edge answers a request body over the plan's cap (100 MB on Free and Pro) with its own
 * 413 before the Worker runs; below it, breachkit's own limit answers, with a way round it.
 */
const workersImportLimitBytes = 95_000_000;
const importLimitNote =
  'On Cloudflare Workers one request carries at most 100 MB (the edge refuses more before breachkit sees it). Gzip a bigger directory first (one packs about 13×) and send the .gz with `npm run import`, or send it with `npm run import` to breachkit on Node (`npm start`) using the same database (4 GiB by default there).';

function settings(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    if (!app) {
      const config = loadConfig({ IMPORT_LIMIT_BYTES: String(workersImportLimitBytes), ...settings(env) });
      const logger = createLogger(config.LOG_LEVEL);
      app = createApp({
        runbooks: loadRunbooks(runbookFiles),
        renderer: createNoticeRenderer(templateFiles, { smsMaxParts: config.SMS_MAX_PARTS }),
        drafts: createDraftRenderer(templateFiles),
        config,
        logger,
        clock: systemClock,
        importLimitNote,
        // The data centre's cache, keyed by publish generation: no isolate polls the database.
        publicPages: (options) => new EdgePageCache({ ...options, logger, cache: (caches as unknown as { default: EdgeCache }).default }),
        // One client per request: Workers may not share sockets across requests. The request
        // context closes it; calling end() leaves an unhandled rejection behind.
        database: (e) => {
          const url = (e as WorkerEnv).HYPERDRIVE?.connectionString;
          if (!url) throw new Error('the HYPERDRIVE binding is not configured');
          return postgres(url, { max: 1, fetch_types: false, onnotice: () => {} });
        },
      });
    }
    return app.fetch(request, env, ctx);
  },
};
