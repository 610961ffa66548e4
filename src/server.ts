// Node entry: reads the configuration, opens the database, makes sure an admin can log in, serves the app.
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootstrapAdminKey } from './api-keys/service.js';
import { ConfigError, configFromProcess, publicBaseUrl } from './config.js';
import { openDatabase } from './db/node.js';
import { fileURLToPath } from 'node:url';
import { readTextTree } from './lib/assets.node.js';
import { createNoticeRenderer } from './notices/render.js';
import { TemplateError } from './notices/types.js';
import { loadRunbooks, RunbookError } from './runbooks/parse.js';
import { runWorker } from './delivery/worker.js';
import { dispatchDeps } from './delivery/setup.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { createDraftRenderer, DraftTemplateError } from './obligations/draft.js';
import { runReminders } from './obligations/reminders.js';
import { providersFor } from './delivery/setup.js';
import { nodeLetterPdf } from './delivery/letters/pdf.node.js';

async function main(): Promise<void> {
  const config = configFromProcess();
  const logger = createLogger(config.LOG_LEVEL);
  // Templates first: a notice template missing a required element must stop the start before anything else.
  const templateFiles = readTextTree(fileURLToPath(new URL('../templates/', import.meta.url)));
  const renderer = createNoticeRenderer(templateFiles, { smsMaxParts: config.SMS_MAX_PARTS });
  const drafts = createDraftRenderer(templateFiles);
  const runbooks = loadRunbooks(readTextTree(fileURLToPath(new URL('../runbooks/', import.meta.url))));
  const db = await openDatabase(config);
  logger.info({ mode: db.mode }, 'database ready');

  const admin = await bootstrapAdminKey(db.sql, config.BREACHKIT_ADMIN_TOKEN, systemClock.now());
  const app = createApp({ config, logger, clock: systemClock, database: () => db.sql, renderer, runbooks, drafts, copy: db.mode === 'postgres', letterPdf: nodeLetterPdf });
  const stopWorker = new AbortController();
  if (config.IN_PROCESS_WORKER) {
    void runWorker(dispatchDeps({ config, db: db.sql, renderer, clock: systemClock, logger, owner: `server-${process.pid}` }), { idleMs: 1000, signal: stopWorker.signal });
  }
  if (config.REMINDER_INTERVAL_MS > 0) {
    // Deadline reminders to the on-call responders, through the same providers as notices.
    const providers = providersFor(config, publicBaseUrl(config), logger);
    void runReminders({ db: db.sql, providers, logger }, { intervalMs: config.REMINDER_INTERVAL_MS, signal: stopWorker.signal, now: () => systemClock.now() });
  }
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const base = `http://localhost:${info.port}`;
    const lines = [
      '',
      `breachkit is listening on ${base}`,
      `  database: ${db.mode === 'embedded' ? `embedded PGlite in ${db.where}` : `Postgres at ${db.where}`}`,
      `  API docs: ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
    ];
    if (admin.kind === 'created') {
      lines.push(`  admin key (shown once; store it now): ${admin.token}`);
    } else if (admin.kind === 'from-environment') {
      lines.push('  admin key: the one in BREACHKIT_ADMIN_TOKEN');
    } else {
      lines.push('  admin key: already issued at first start (set BREACHKIT_ADMIN_TOKEN to add one)');
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stopWorker.abort();
    server.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof TemplateError || err instanceof DraftTemplateError || err instanceof RunbookError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`breachkit could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
