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

export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  [setting: string]: unknown;
}

let app: ReturnType<typeof createApp> | undefined;

function settings(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    if (!app) {
      const config = loadConfig(settings(env));
      app = createApp({
        runbooks: loadRunbooks(runbookFiles),
        renderer: createNoticeRenderer(templateFiles, { smsMaxParts: config.SMS_MAX_PARTS }),
        drafts: createDraftRenderer(templateFiles),
        config,
        logger: createLogger(config.LOG_LEVEL),
        clock: systemClock,
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
