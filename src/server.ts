// Node entry: reads the configuration, takes the port, opens the database, makes sure an admin can log in, serves the app, drains on a stop.
import { createAdaptorServer } from '@hono/node-server';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { bootstrapAdminKey } from './api-keys/service.js';
import { ConfigError, configFromProcess, publicBaseUrl } from './config.js';
import { openDatabase, StartError } from './db/node.js';
import { failInterruptedImports, importSilentAfterMs } from './directory/service.js';
import { readApiReferenceScript, readTextTree } from './lib/assets.node.js';
import { createNoticeRenderer } from './notices/render.js';
import { TemplateError } from './notices/types.js';
import { loadRunbooks, RunbookError } from './runbooks/parse.js';
import { runWorker } from './delivery/worker.js';
import { dispatchDeps, providersFor, twilioNodeClientFor } from './delivery/setup.js';
import { nodeSha256Hex } from './lib/hash.node.js';
import { systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { sleep, sleepUnlessAborted } from './lib/sleep.js';
import { createDraftRenderer, DraftTemplateError } from './obligations/draft.js';
import { runReminders } from './obligations/reminders.js';

const notReady = () =>
  new Response(JSON.stringify({ type: 'https://breachkit.dev/problems/not-ready', title: 'Not ready', status: 503, detail: 'The server is starting.', code: 'not_ready', requestId: 'starting' }), {
    status: 503,
    headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
  });

/** Binds the port; one that is taken or forbidden stops the start with the setting named. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new StartError(`PORT: ${host}:${port} is already in use; stop the process holding it, or set PORT to another port`));
      else if (err.code === 'EACCES') reject(new StartError(`PORT: this process may not listen on ${host}:${port}; set PORT to a port above 1023`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new StartError(`HOST: ${host} is not an address of this machine`));
      else reject(err);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Waits until `done()` holds or `ms` pass; `tick` runs every 50 ms meanwhile. */
async function waitFor(done: () => boolean, ms: number, tick: () => void): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) {
    tick();
    await sleep(50);
  }
  return done();
}
import { nodeLetterPdf } from './delivery/letters/pdf.node.js';

async function main(): Promise<void> {
  const config = configFromProcess();
  const logger = createLogger(config.LOG_LEVEL);
  // Templates first: a notice template missing a required element must stop the start before anything else.
  const templateFiles = readTextTree(fileURLToPath(new URL('../templates/', import.meta.url)));
  const renderer = createNoticeRenderer(templateFiles, { smsMaxParts: config.SMS_MAX_PARTS });
  const drafts = createDraftRenderer(templateFiles);
  const runbooks = loadRunbooks(readTextTree(fileURLToPath(new URL('../runbooks/', import.meta.url))));

  // The port before the database: a port in use stops the start before anything is opened. Until
  // the app is ready, requests get 503.
  let handle: (request: Request, env: unknown) => Response | Promise<Response> = notReady;
  const server = createAdaptorServer({ fetch: (request: Request, env: unknown) => handle(request, env) }) as Server;
  const port = await listen(server, config.PORT, config.HOST);
  server.on('error', (err) => logger.error({ err }, 'server error'));
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });

  const db = await openDatabase(config);
  logger.info({ mode: db.mode }, 'database ready');
  // Imports a stopped process left running: with the embedded database, this process is the only one.
  const interrupted = await failInterruptedImports(db.sql, systemClock.now(), { all: db.mode === 'embedded' });
  if (interrupted.length) logger.warn({ imports: interrupted }, 'directory imports left running by a stopped server are marked failed');

  const admin = await bootstrapAdminKey(db.sql, config.BREACHKIT_ADMIN_TOKEN, systemClock.now());
  const draining = new AbortController();
  const halted = new AbortController();
  const app = createApp({
    config,
    logger,
    clock: systemClock,
    database: () => db.sql,
    renderer,
    runbooks,
    drafts,
    copy: db.mode === 'postgres',
    lifecycle: { draining: draining.signal, halted: halted.signal },
    apiReferenceScript: readApiReferenceScript(),
    letterPdf: nodeLetterPdf,
  });
  handle = app.fetch;

  const loops: Promise<void>[] = [];
  const stopLoops = new AbortController();
  if (config.IN_PROCESS_WORKER) {
    // The same worker as `npm run worker`: its passes in flight and its kept-alive Twilio client.
    const twilioHttpClient = twilioNodeClientFor(config);
    loops.push(
      runWorker(dispatchDeps({ config, db: db.sql, renderer, clock: systemClock, logger, owner: `server-${process.pid}`, twilioHttpClient, sha256Hex: nodeSha256Hex }), {
        idleMs: 1000,
        signal: stopLoops.signal,
        passes: config.DELIVERY_PASSES_IN_FLIGHT,
      }),
    );
  }
  if (config.REMINDER_INTERVAL_MS > 0) {
    // Deadline reminders to the on-call responders, through the same providers as notices.
    const providers = providersFor(config, publicBaseUrl(config), logger);
    loops.push(runReminders({ db: db.sql, providers, logger }, { intervalMs: config.REMINDER_INTERVAL_MS, signal: stopLoops.signal, now: () => systemClock.now() }));
  }
  if (db.mode === 'postgres') loops.push(sweepInterruptedImports(db.sql, logger, stopLoops.signal));

  const base = `http://localhost:${port}`;
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

  let stopping = false;
  /**
   * Drains: new requests are refused and the listener closed, event streams end with a final event,
   * requests in flight get SHUTDOWN_GRACE_MS to finish (then long work is told to stop and record
   * why), the worker and reminder loops stop, and the database is closed last.
   */
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second stop signal: leaving at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, in_flight: inFlight.size, grace_ms: config.SHUTDOWN_GRACE_MS }, 'shutting down: draining');
    draining.abort();
    stopLoops.abort();
    server.close();
    const drained = await waitFor(() => inFlight.size === 0, config.SHUTDOWN_GRACE_MS, () => server.closeIdleConnections());
    if (!drained) {
      logger.warn({ in_flight: inFlight.size }, 'grace period over: stopping the requests still running');
      halted.abort();
      // Long work (an import) records why it stopped and answers; then whatever is left is cut.
      await waitFor(() => inFlight.size === 0, 5_000, () => server.closeIdleConnections());
      server.closeAllConnections();
    }
    const loopsEnded = await Promise.race([Promise.allSettled(loops).then(() => true), sleep(config.SHUTDOWN_GRACE_MS + 5_000).then(() => false)]);
    if (!loopsEnded) logger.warn('the worker or reminder loop did not stop in time');
    await db.close();
    logger.info({ signal }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** On a shared PostgreSQL, any server marks failed the imports another process left running when it stopped. */
async function sweepInterruptedImports(db: Parameters<typeof failInterruptedImports>[0], logger: Logger, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleepUnlessAborted(importSilentAfterMs, signal);
    if (signal.aborted) return;
    try {
      const ids = await failInterruptedImports(db, systemClock.now(), { all: false });
      if (ids.length) logger.warn({ imports: ids }, 'directory imports left running by a stopped server are marked failed');
    } catch (err) {
      logger.error({ err }, 'sweep of interrupted imports failed; trying again later');
    }
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof TemplateError || err instanceof DraftTemplateError || err instanceof RunbookError || err instanceof StartError;
  process.stderr.write(known ? `${(err as Error).message}\n` : `breachkit could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
